import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  labColumns,
  labDifferentMessage,
  labDuplicateMessage,
  labRowChecker,
  labRowReader,
  labWarningMessage,
  type LabRow,
  type LabSubject,
} from '../../../src/core/capture/lab-csv.js';
import type { DomainError } from '../../../src/core/errors.js';
import { parseProtocol, type Protocol } from '../../../src/core/protocol/index.js';

const NR = 'protocols/celgosivir-nr-phase2.yaml';
const nr = parseProtocol(readFileSync(new URL(`../../../${NR}`, import.meta.url), 'utf8'), NR);

/** The reference protocol with a second measure at W12 and a visit that takes none. */
const twoMeasures: Protocol = {
  ...nr,
  measures: [...nr.measures, { code: 'ALT', label: 'ALT', unit: 'U/L' }],
  visits: nr.visits.map((v) =>
    v.code === 'W12' ? { ...v, measures: ['HCVRNA', 'ALT'] } : v.code === 'W1' ? { ...v, measures: [] } : v,
  ),
};

const HEADER = ['subject', 'visit', 'date', 'result', 'unit', 'lloq'];
const row = (values: Partial<Record<string, string>>, header = HEADER): string[] =>
  header.map(
    (c) =>
      values[c] ??
      { subject: 'WPG-S001', visit: 'W12', date: '2025-03-01', result: '2400000', unit: 'IU/mL', lloq: '15' }[
        c
      ] ??
      '',
  );

const readerFor = (protocol: Protocol, header = HEADER, assay?: string) =>
  labRowReader(protocol, labColumns(header), { assay });

const errorOf = (f: () => unknown): DomainError => {
  try {
    f();
  } catch (e) {
    return e as DomainError;
  }
  throw new Error('expected an error');
};

const subject = (over: Partial<LabSubject> = {}): LabSubject => ({
  status: 'randomized',
  electedPhases: [],
  consentedOn: '2025-01-01',
  day0: '2025-01-10',
  ...over,
});

const TODAY = '2025-06-01';

describe('central-lab CSV header', () => {
  it('takes the columns in any order and case, with the optional ones', () => {
    const columns = labColumns([' Result', 'UNIT', 'lloq', 'Visit', 'subject', 'date', 'Assay', 'measure']);
    expect(columns.count).toBe(8);
    expect(columns.at).toEqual({
      result: 0,
      unit: 1,
      lloq: 2,
      visit: 3,
      subject: 4,
      date: 5,
      assay: 6,
      measure: 7,
    });
  });

  it('names every missing, unknown and repeated column in one error', () => {
    const e = errorOf(() => labColumns(['subject', 'visit', 'Value', 'date', 'visit', '']));
    expect(e.code).toBe('validation');
    expect(e.message).toMatch(/must name the columns subject, visit, date, result, unit, lloq/);
    expect(e.details?.issues).toEqual([
      { path: 'header', message: 'missing result, unit, lloq' },
      { path: 'header', message: 'unknown column "Value"' },
      { path: 'header', message: 'column "visit" appears twice' },
      { path: 'header', message: 'column 6 has no name' },
    ]);
  });
});

describe('central-lab CSV rows', () => {
  const read = readerFor(nr);

  it('reads a row into a typed result, defaulting the measure and the LLOQ', () => {
    expect(read(row({ lloq: '' }), 7)).toEqual({
      ok: true,
      row: {
        line: 7,
        subject: 'WPG-S001',
        visit: 'W12',
        measure: 'HCVRNA',
        collectedOn: '2025-03-01',
        result: { kind: 'value', value: 2_400_000 },
        reported: '2400000',
        unit: 'IU/mL',
        assay: null,
      },
    });
  });

  it('reads what labs write: exponents, below the LLOQ, target not detected, log10 units', () => {
    const result = (values: Partial<Record<string, string>>) => {
      const r = read(row(values), 2);
      if (!r.ok) throw new Error(r.message);
      return r.row.result;
    };
    expect(result({ result: '2.4E6' })).toEqual({ kind: 'value', value: 2_400_000 });
    expect(result({ result: '<15' })).toEqual({ kind: 'below_lloq', lloq: 15 });
    expect(result({ result: '<LLOQ', lloq: '43' })).toEqual({ kind: 'below_lloq', lloq: 43 });
    expect(result({ result: 'TND', lloq: '' })).toEqual({ kind: 'not_detected', lloq: 15 });
    expect(result({ result: '6', unit: 'log10 IU/mL' })).toMatchObject({ kind: 'value' });
    expect(read(row({ visit: ' w12 ', subject: ' WPG-S001 ' }), 2)).toMatchObject({
      ok: true,
      row: { visit: 'W12', subject: 'WPG-S001' },
    });
  });

  it('takes the assay from its column, else from the import', () => {
    const header = [...HEADER, 'assay'];
    const withDefault = readerFor(nr, header, 'COBAS');
    expect(withDefault(row({ assay: 'Abbott RealTime' }, header), 2)).toMatchObject({
      row: { assay: 'Abbott RealTime' },
    });
    expect(withDefault(row({ assay: '' }, header), 2)).toMatchObject({ row: { assay: 'COBAS' } });
    expect(readerFor(nr, HEADER, 'COBAS')(row({}), 2)).toMatchObject({ row: { assay: 'COBAS' } });
  });

  it('refuses each bad field with the column and the reason', () => {
    const refusal = (values: Partial<Record<string, string>>, reader = read) => {
      const r = reader(row(values), 9);
      expect(r.ok).toBe(false);
      return r.ok ? '' : r.message;
    };
    expect(refusal({ subject: '' })).toBe('subject: is empty');
    expect(refusal({ date: '2025-02-30' })).toBe(
      'date: must be a real date written YYYY-MM-DD, not "2025-02-30"',
    );
    expect(refusal({ date: '01/03/2025' })).toMatch(/^date: must be a real date/);
    expect(refusal({ visit: 'W99' })).toBe('visit: W99 is not a visit of the protocol');
    expect(refusal({ result: 'lots' })).toBe('result must be a number, not "lots"');
    expect(refusal({ unit: 'copies/mL' })).toBe('Unit "copies/mL" is not the unit of this measure (IU/mL)');
    expect(refusal({ lloq: 'fifteen' })).toBe('lloq: must be a number above 0 (or empty), not "fifteen"');
    expect(refusal({ lloq: '0' })).toBe('lloq: must be a number above 0 (or empty), not "0"');
    expect(refusal({ result: '10' })).toMatch(/^result 10 is below the assay's LLOQ of 15/);
    expect(refusal({ result: 'x'.repeat(41) })).toBe('result: must be at most 40 characters');
    // Several problems of one row are all said.
    expect(refusal({ date: 'soon', unit: '' })).toBe(
      'unit: is empty; date: must be a real date written YYYY-MM-DD, not "soon"',
    );
  });

  it('checks the measure against the visit, and asks for it where a visit has several', () => {
    const header = [...HEADER, 'measure'];
    const reader = readerFor(twoMeasures, header);
    const message = (values: Partial<Record<string, string>>) => {
      const r = reader(row(values, header), 3);
      return r.ok ? r.row.measure : r.message;
    };
    expect(message({ measure: 'ALT', result: '40', unit: 'U/L', lloq: '' })).toBe('ALT');
    expect(message({ measure: '' })).toBe('measure: is required: W12 has 2 measures (HCVRNA, ALT)');
    expect(message({ visit: 'W4', measure: 'ALT' })).toBe('measure: ALT is not measured at W4');
    expect(message({ measure: 'GGT' })).toBe('measure: GGT is not a measure of the protocol');
    expect(message({ visit: 'W1', measure: '' })).toBe('measure: no measure is taken at W1');
  });

  it('refuses a row whose field count differs from the header', () => {
    expect(read(['WPG-S001', 'W12', '2025-03-01', '15'], 4)).toEqual({
      ok: false,
      message: 'has 4 field(s) where the header has 6',
    });
  });
});

describe('central-lab rows against their subjects', () => {
  const read = readerFor(nr, HEADER, 'COBAS');
  const check = labRowChecker(nr, TODAY);
  const parsed = (values: Partial<Record<string, string>>): LabRow => {
    const r = read(row(values), 5);
    if (!r.ok) throw new Error(r.message);
    return r.row;
  };

  it('accepts a valid row with no findings', () => {
    expect(check(parsed({}), subject())).toEqual({ ok: true, warnings: [] });
  });

  it('refuses unknown subjects and visits the subject may not have', () => {
    expect(check(parsed({}), undefined)).toEqual({
      ok: false,
      message: 'subject: WPG-S001 is not a subject of this study',
    });
    expect(check(parsed({}), subject({ status: 'eligible', day0: null }))).toEqual({
      ok: false,
      message: 'visit: W12 for WPG-S001: the subject is not randomized: W12 is on or after day 0',
    });
    expect(check(parsed({ visit: 'SCR' }), subject({ status: 'screen_failed' }))).toMatchObject({
      ok: false,
      message: expect.stringMatching(/failed screening/),
    });
    expect(check(parsed({ visit: 'W24' }), subject())).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^visit: W24 for WPG-S001: the subject has not elected the extension/),
    });
    expect(check(parsed({ visit: 'W24' }), subject({ electedPhases: ['EXT'] }))).toMatchObject({ ok: true });
  });

  it('refuses on hard edit checks, naming the column and the check', () => {
    const refusal = (values: Partial<Record<string, string>>, s = subject()) => {
      const r = check(parsed(values), s);
      return r.ok ? '' : r.message;
    };
    expect(refusal({ result: '2e9' })).toMatch(
      /^result: HCV RNA .* is implausible.*\(edit check PLAUSIBLE\)$/,
    );
    expect(refusal({ result: '0', lloq: '' }, subject())).toMatch(/implausible/);
    expect(refusal({ date: '2025-06-02' })).toBe(
      'date: 2025-06-02 is in the future (today is 2025-06-01) (edit check NOT_FUTURE)',
    );
    expect(refusal({ date: '2024-12-31' })).toBe(
      'date: 2024-12-31 is before informed consent (2025-01-01) (edit check AFTER_CONSENT)',
    );
    const noAssay = labRowReader(nr, labColumns(HEADER))(row({}), 5);
    if (!noAssay.ok) throw new Error(noAssay.message);
    expect(check(noAssay.row, subject())).toEqual({
      ok: false,
      message: 'assay: is required (edit check ASSAY)',
    });
  });

  it('gives soft findings back as warnings to open queries', () => {
    const r = check(parsed({ result: '6e7' }), subject());
    expect(r).toEqual({
      ok: true,
      warnings: [
        {
          check: 'HCV_HIGH',
          severity: 'soft',
          path: 'result',
          message: expect.stringMatching(/is above 5e\+7: please confirm/),
        },
      ],
    });
    if (r.ok)
      expect(labWarningMessage(r.warnings[0]!)).toMatch(
        /^result: .* \(edit check HCV_HIGH: opens a query\)$/,
      );
  });

  it('words duplicates and conflicts with recorded results', () => {
    const point = { subject: 'WPG-S001', visit: 'W12', measure: 'HCVRNA' };
    expect(labDuplicateMessage(point, 3)).toBe(
      'WPG-S001 W12 HCVRNA: this result is already on line 3 of the file',
    );
    expect(
      labDifferentMessage(point, {
        reported: '<15',
        unit: 'IU/mL',
        collectedOn: '2025-03-01',
        source: 'site',
      }),
    ).toBe(
      'WPG-S001 W12 HCVRNA: a different result is already recorded (<15 IU/mL, sampled 2025-03-01, entered by the site); change it in the casebook with a reason for change',
    );
  });
});
