import { describe, expect, it } from 'vitest';
import {
  runEditChecks,
  type CheckContext,
  type CheckedForm,
  type CheckFinding,
} from '../../../src/core/capture/edit-checks.js';
import { parseProtocol, type EditCheck, type Protocol } from '../../../src/core/protocol/index.js';
import { readProtocol } from '../../support/fixtures.js';

const nr = parseProtocol(readProtocol('protocols/celgosivir-nr-phase2.yaml'), 'nr.yaml');
const LABEL = 'HCV RNA (quantitative PCR)';
const ctx: CheckContext = { today: '2026-06-30', consentedOn: '2026-01-10', day0: '2026-02-01' };

/** The protocol with only these checks. */
const withChecks = (...editChecks: EditCheck[]): Protocol => ({ ...nr, editChecks });

const result = (
  value: number,
  extra: Partial<Extract<CheckedForm, { form: 'result' }>> = {},
): CheckedForm => ({
  form: 'result',
  visitCode: 'W12',
  measure: 'HCVRNA',
  collectedOn: '2026-04-26',
  result: { kind: 'value', value },
  assay: 'COBAS TaqMan',
  ...extra,
});

const ae = (extra: Partial<Extract<CheckedForm, { form: 'adverse_event' }>> = {}): CheckedForm => ({
  form: 'adverse_event',
  onsetDate: '2026-02-10',
  endDate: '2026-02-20',
  codedTerm: 'Nausea',
  bodySystem: 'Gastrointestinal disorders',
  ...extra,
});

const visit = (visitCode: string, visitDate: string): CheckedForm => ({
  form: 'visit',
  visitCode,
  visitDate,
});

const finding = (check: string, severity: 'hard' | 'soft', path: string, message: string): CheckFinding => ({
  check,
  severity,
  path,
  message,
});

describe('edit checks of the reference protocol', () => {
  it('passes good data of every form without a finding', () => {
    expect(runEditChecks(nr, visit('W12', '2026-04-26'), ctx)).toEqual([]);
    expect(runEditChecks(nr, result(2_400_000), ctx)).toEqual([]);
    expect(runEditChecks(nr, ae(), ctx)).toEqual([]);
    expect(runEditChecks(nr, { form: 'disposition', date: '2026-04-26', detail: null }, ctx)).toEqual([]);
  });

  it('rejects an implausible HCV RNA (hard), naming the result and the limits', () => {
    const limits = 'it must be above 0 and at most 1e+9 IU/mL';
    expect(runEditChecks(nr, result(2e9), ctx)).toEqual([
      finding('PLAUSIBLE', 'hard', 'result', `${LABEL} 2e+9 IU/mL is implausible: ${limits}`),
      finding('HCV_HIGH', 'soft', 'result', `${LABEL} 2e+9 IU/mL is above 5e+7: please confirm`),
    ]);
    expect(runEditChecks(nr, result(0), ctx)).toEqual([
      finding('PLAUSIBLE', 'hard', 'result', `${LABEL} 0 IU/mL is implausible: ${limits}`),
    ]);
    expect(runEditChecks(nr, result(-5), ctx)).toEqual([
      finding('PLAUSIBLE', 'hard', 'result', `${LABEL} -5 IU/mL is implausible: ${limits}`),
    ]);
    // The limits themselves: above 0 (exclusive), at most 1e9 (inclusive).
    expect(runEditChecks(nr, result(1e9), ctx).filter((f) => f.check === 'PLAUSIBLE')).toEqual([]);
    expect(runEditChecks(nr, result(0.5), ctx)).toEqual([]);
  });

  it('flags an unusually high HCV RNA (soft range) for confirmation, at the limit not yet', () => {
    expect(runEditChecks(nr, result(6e7), ctx)).toEqual([
      finding('HCV_HIGH', 'soft', 'result', `${LABEL} 6e+7 IU/mL is above 5e+7: please confirm`),
    ]);
    expect(runEditChecks(nr, result(5e7), ctx)).toEqual([]);
  });

  it('does not check the value of a result below the LLOQ or not detected', () => {
    expect(runEditChecks(nr, result(0, { result: { kind: 'below_lloq', lloq: 15 } }), ctx)).toEqual([]);
    expect(runEditChecks(nr, result(0, { result: { kind: 'not_detected', lloq: null } }), ctx)).toEqual([]);
  });

  it('requires the assay of a result (hard)', () => {
    expect(runEditChecks(nr, result(2_400_000, { assay: null }), ctx)).toEqual([
      finding('ASSAY', 'hard', 'assay', 'is required'),
    ]);
  });

  it('asks for the coded term and body system of an adverse event (soft)', () => {
    expect(runEditChecks(nr, ae({ codedTerm: null, bodySystem: null }), ctx)).toEqual([
      finding('AE_CODED', 'soft', 'codedTerm', 'is required'),
      finding('AE_SYSTEM', 'soft', 'bodySystem', 'is required'),
    ]);
    expect(runEditChecks(nr, ae({ bodySystem: '' }), ctx)).toEqual([
      finding('AE_SYSTEM', 'soft', 'bodySystem', 'is required'),
    ]);
  });

  it('rejects every date in the future, each by its field', () => {
    expect(runEditChecks(nr, visit('SCR', '2026-07-01'), { ...ctx, day0: null })).toEqual([
      finding('NOT_FUTURE', 'hard', 'visitDate', '2026-07-01 is in the future (today is 2026-06-30)'),
    ]);
    expect(runEditChecks(nr, result(2_400_000, { collectedOn: '2026-07-01' }), ctx)).toEqual([
      finding('NOT_FUTURE', 'hard', 'collectedOn', '2026-07-01 is in the future (today is 2026-06-30)'),
    ]);
    expect(runEditChecks(nr, ae({ onsetDate: '2026-06-30', endDate: '2026-07-02' }), ctx)).toEqual([
      finding('NOT_FUTURE', 'hard', 'endDate', '2026-07-02 is in the future (today is 2026-06-30)'),
    ]);
    expect(runEditChecks(nr, { form: 'disposition', date: '2027-01-01', detail: null }, ctx)).toEqual([
      finding('NOT_FUTURE', 'hard', 'date', '2027-01-01 is in the future (today is 2026-06-30)'),
    ]);
    // Today itself is not the future.
    expect(runEditChecks(nr, { form: 'disposition', date: '2026-06-30', detail: null }, ctx)).toEqual([]);
  });

  it('rejects data before informed consent, but not an end date (only its onset counts)', () => {
    const before = '2026-01-09 is before informed consent (2026-01-10)';
    expect(runEditChecks(nr, visit('SCR', '2026-01-09'), { ...ctx, day0: null })).toEqual([
      finding('AFTER_CONSENT', 'hard', 'visitDate', before),
    ]);
    expect(runEditChecks(nr, result(2_400_000, { collectedOn: '2026-01-09' }), ctx)).toEqual([
      finding('AFTER_CONSENT', 'hard', 'collectedOn', before),
    ]);
    expect(runEditChecks(nr, ae({ onsetDate: '2026-01-09', endDate: '2026-01-12' }), ctx)).toEqual([
      finding('AFTER_CONSENT', 'hard', 'onsetDate', before),
    ]);
    expect(runEditChecks(nr, { form: 'disposition', date: '2026-01-09', detail: null }, ctx)).toEqual([
      finding('AFTER_CONSENT', 'hard', 'date', before),
    ]);
    // The day of consent is allowed.
    expect(runEditChecks(nr, visit('SCR', '2026-01-10'), { ...ctx, day0: null })).toEqual([]);
  });

  it('rejects an adverse event that ends before its onset, naming the end date', () => {
    expect(runEditChecks(nr, ae({ onsetDate: '2026-02-10', endDate: '2026-02-09' }), ctx)).toEqual([
      finding(
        'END_AFTER_ONSET',
        'hard',
        'endDate',
        'the end date 2026-02-09 is before the onset date 2026-02-10',
      ),
    ]);
    expect(runEditChecks(nr, ae({ onsetDate: '2026-02-10', endDate: '2026-02-10' }), ctx)).toEqual([]);
    expect(runEditChecks(nr, ae({ endDate: null }), ctx)).toEqual([]);
  });

  it('flags a visit out of its window (soft), by how many days, early or late', () => {
    // Day 0 on 2026-02-01: W12 is due 2026-04-26, window 2026-04-19 to 2026-05-03.
    expect(runEditChecks(nr, visit('W12', '2026-04-19'), ctx)).toEqual([]);
    expect(runEditChecks(nr, visit('W12', '2026-05-03'), ctx)).toEqual([]);
    expect(runEditChecks(nr, visit('W12', '2026-05-06'), ctx)).toEqual([
      finding(
        'WINDOW',
        'soft',
        'visitDate',
        '2026-05-06 is 3 day(s) after the W12 window (2026-04-19 to 2026-05-03)',
      ),
    ]);
    expect(runEditChecks(nr, visit('W12', '2026-04-17'), ctx)).toEqual([
      finding(
        'WINDOW',
        'soft',
        'visitDate',
        '2026-04-17 is 2 day(s) before the W12 window (2026-04-19 to 2026-05-03)',
      ),
    ]);
    // Before day 0 is known there is no window; nor for a visit the protocol lacks.
    expect(runEditChecks(nr, visit('W12', '2026-06-01'), { ...ctx, day0: null })).toEqual([]);
    expect(runEditChecks(nr, visit('W13', '2026-06-01'), ctx)).toEqual([]);
  });

  it('reports every finding of one form together, hard and soft', () => {
    const findings = runEditChecks(
      nr,
      ae({ onsetDate: '2026-01-01', endDate: '2025-12-31', codedTerm: null }),
      ctx,
    );
    expect(findings.map((f) => [f.check, f.severity, f.path])).toEqual([
      ['AFTER_CONSENT', 'hard', 'onsetDate'],
      ['END_AFTER_ONSET', 'hard', 'endDate'],
      ['AE_CODED', 'soft', 'codedTerm'],
    ]);
  });
});

describe('edit checks as the protocol grades them', () => {
  it('grades plausibility soft when the protocol says so', () => {
    const p = withChecks({ code: 'PLAUS', kind: 'plausibility', severity: 'soft' });
    expect(runEditChecks(p, result(2e9), ctx)).toEqual([
      finding(
        'PLAUS',
        'soft',
        'result',
        `${LABEL} 2e+9 IU/mL is implausible: it must be above 0 and at most 1e+9 IU/mL`,
      ),
    ]);
  });

  it('words plausibility from the limits the measure has', () => {
    const onlyMax: Protocol = {
      ...withChecks({ code: 'PLAUS', kind: 'plausibility', severity: 'hard' }),
      measures: [{ code: 'HCVRNA', label: 'Viral load', unit: 'IU/mL', plausible: { max: 1000 } }],
    };
    expect(runEditChecks(onlyMax, result(1001), ctx)).toEqual([
      finding(
        'PLAUS',
        'hard',
        'result',
        'Viral load 1001 IU/mL is implausible: it must be at most 1000 IU/mL',
      ),
    ]);
    expect(runEditChecks(onlyMax, result(-1), ctx)).toEqual([]);
    const none: Protocol = { ...onlyMax, measures: [{ code: 'HCVRNA', label: 'Viral load', unit: 'IU/mL' }] };
    expect(runEditChecks(none, result(-1), ctx)).toEqual([]);
  });

  it('grades a range check hard, with a lower bound, on its own measure only', () => {
    const p = withChecks({ code: 'LOW', kind: 'range', measure: 'HCVRNA', min: 1000, severity: 'hard' });
    expect(runEditChecks(p, result(999), ctx)).toEqual([
      finding('LOW', 'hard', 'result', `${LABEL} 999 IU/mL is below 1000: please confirm`),
    ]);
    expect(runEditChecks(p, result(1000), ctx)).toEqual([]);
    const other = withChecks({ code: 'LOW', kind: 'range', measure: 'ALT', min: 1000, severity: 'hard' });
    expect(runEditChecks(other, result(999), ctx)).toEqual([]);
  });

  it('grades the date checks soft when the protocol says so', () => {
    const p = withChecks(
      { code: 'FUT', kind: 'not-in-future', severity: 'soft' },
      { code: 'CONS', kind: 'after-consent', severity: 'soft' },
      { code: 'END', kind: 'end-after-onset', severity: 'soft' },
    );
    expect(runEditChecks(p, ae({ onsetDate: '2026-01-05', endDate: '2026-01-04' }), ctx)).toEqual([
      finding('CONS', 'soft', 'onsetDate', '2026-01-05 is before informed consent (2026-01-10)'),
      finding('END', 'soft', 'endDate', 'the end date 2026-01-04 is before the onset date 2026-01-05'),
    ]);
    expect(runEditChecks(p, visit('SCR', '2026-07-04'), ctx).map((f) => [f.check, f.severity])).toEqual([
      ['FUT', 'soft'],
    ]);
  });

  it('applies a required check to its own form only, hard or soft', () => {
    const p = withChecks(
      { code: 'END_REQ', kind: 'required', form: 'adverse_event', field: 'endDate', severity: 'hard' },
      { code: 'DETAIL', kind: 'required', form: 'disposition', field: 'detail', severity: 'soft' },
    );
    expect(runEditChecks(p, ae({ endDate: null }), ctx)).toEqual([
      finding('END_REQ', 'hard', 'endDate', 'is required'),
    ]);
    expect(runEditChecks(p, { form: 'disposition', date: '2026-04-26', detail: null }, ctx)).toEqual([
      finding('DETAIL', 'soft', 'detail', 'is required'),
    ]);
    expect(runEditChecks(p, { form: 'disposition', date: '2026-04-26', detail: 'moved away' }, ctx)).toEqual(
      [],
    );
    expect(runEditChecks(p, result(2_400_000, { assay: null }), ctx)).toEqual([]);
  });

  it('checks nothing when the protocol declares no check at all', () => {
    expect(runEditChecks(withChecks(), result(2e9, { collectedOn: '2030-01-01', assay: null }), ctx)).toEqual(
      [],
    );
  });
});
