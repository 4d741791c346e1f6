import { describe, expect, it } from 'vitest';
import { analyze, INSUFFICIENT_TEXT, type AnalysisResult } from '../../../src/core/analysis/index.js';
import { isInPopulation } from '../../../src/core/analysis/efficacy.js';
import { prepareStudy } from '../../../src/core/analysis/input.js';
import type { Protocol } from '../../../src/core/protocol/index.js';
import { expectClose } from '../stats/reference.js';
import { reference } from './reference.js';
import { buildStudy, NR_PROTOCOL, readProtocol, type SubjectSpec } from './support.js';

const protocol = readProtocol(NR_PROTOCOL);
const NR = { PRIORRESP: 'NR' };
const PR = { PRIORRESP: 'PR' };
const done = { MAIN: { status: 'completed' } } as const;

/** The study reference.R analyses (the same values, subject by subject). */
const SUBJECTS: readonly SubjectSpec[] = [
  { id: 'T1', arm: 'TRIPLE', levels: NR, results: { D0: 2e6, W12: 1e4 }, dispositions: done },
  {
    id: 'T2',
    arm: 'TRIPLE',
    levels: NR,
    results: { D0: 5e6, W12: { kind: 'not_detected', lloq: 15 } },
    dispositions: done,
  },
  { id: 'T3', arm: 'TRIPLE', levels: NR, results: { D0: 8e5, W12: 2.5e5 }, dispositions: done },
  { id: 'T4', arm: 'TRIPLE', levels: NR, results: { D0: 1.5e6, W12: '<25' }, dispositions: done },
  { id: 'T5', arm: 'TRIPLE', levels: NR, results: { D0: 3e6, W12: 1.2e6 }, dispositions: done },
  {
    id: 'T6',
    arm: 'TRIPLE',
    levels: NR,
    results: { D0: 9e5, W4: 3e5 },
    dispositions: { MAIN: { status: 'discontinued', day: 40, reason: 'adverse_event', drug: 'PEGIFN' } },
  },
  {
    id: 'T7',
    arm: 'TRIPLE',
    levels: NR,
    results: { D0: 1e6, W12: 5e5 },
    dispositions: { MAIN: { status: 'discontinued', day: 50, reason: 'withdrawal_by_subject' } },
  },
  { id: 'D1', arm: 'DOUBLE', levels: NR, results: { D0: 1e6, W12: 4e5 }, dispositions: done },
  { id: 'D2', arm: 'DOUBLE', levels: NR, results: { D0: 2.5e6, W12: 2e6 }, dispositions: done },
  { id: 'D3', arm: 'DOUBLE', levels: NR, results: { D0: 6e5, W12: 1.5e5 }, dispositions: done },
  { id: 'D4', arm: 'DOUBLE', levels: NR, results: { D0: 4e6, W12: 2e4 }, dispositions: done },
  { id: 'D5', arm: 'DOUBLE', levels: NR, results: { D0: 7e5, W8: 5e5 } },
  { id: 'C1', arm: 'CONTROL', levels: NR, results: { D0: 1e6, W12: 8e5 }, dispositions: done },
  { id: 'C2', arm: 'CONTROL', levels: NR, results: { D0: 2e6, W12: 1e6 }, dispositions: done },
  { id: 'C3', arm: 'CONTROL', levels: NR, results: { D0: 5e5, W12: 5e3 }, dispositions: done },
  { id: 'C4', arm: 'CONTROL', levels: NR, results: { D0: 3e6, W12: 2.4e6 }, dispositions: done },
  { id: 'C5', arm: 'CONTROL', levels: NR, results: { D0: 1.2e6, W12: 6e5 }, dispositions: done },
  { id: 'P1', arm: 'TRIPLE', levels: PR, results: { D0: 2e6, W12: 1e4 }, dispositions: done },
  { id: 'P2', arm: 'TRIPLE', levels: PR, results: { D0: 1e6, W12: 5e4 }, dispositions: done },
  { id: 'P3', arm: 'TRIPLE', levels: PR, results: { D0: 4e6, W12: 'TND' }, dispositions: done },
  { id: 'Q1', arm: 'DOUBLE', levels: PR, results: { D0: 1e6, W12: 9e5 }, dispositions: done },
  { id: 'R1', arm: 'CONTROL', levels: PR, results: { D0: 2e6, W12: 1e6 }, dispositions: done },
  { id: 'R2', arm: 'CONTROL', levels: PR, results: { D0: 4e6, W12: 2e6 }, dispositions: done },
];

const withAnalysis = (changes: Partial<Protocol['analysis']>): Protocol => ({
  ...protocol,
  analysis: { ...protocol.analysis, ...changes },
});
const result = analyze(buildStudy(protocol, SUBJECTS, { screenFailures: 2, eligible: 1 }));

function setOf(r: AnalysisResult, level: string | null, population: string) {
  const set = r.efficacy.find((s) => s.subset.level === level && s.population.code === population);
  if (!set) throw new Error(`no set ${level ?? 'all'} ${population}`);
  return set;
}
function endpointOf(r: AnalysisResult, level: string | null, population: string, code: string) {
  const endpoint = setOf(r, level, population).endpoints.find((e) => e.code === code);
  if (!endpoint) throw new Error(`no endpoint ${code}`);
  return endpoint;
}
function change(r: AnalysisResult, level: string | null, population: string) {
  const e = endpointOf(r, level, population, 'LOGRED_W12');
  if (e.kind !== 'change-from-baseline') throw new Error('not a change endpoint');
  return e;
}
function evr(r: AnalysisResult, level: string | null, population: string) {
  const e = endpointOf(r, level, population, 'EVR');
  if (e.kind !== 'responder') throw new Error('not a responder endpoint');
  return e;
}

describe('efficacy of a hand-built study, against R (reference.R)', () => {
  it.each(reference.dataset.map((d) => [`${d.subset} ${d.population}`, d] as const))('%s', (_name, d) => {
    const level = d.subset === 'ALL' ? null : d.subset;
    const set = setOf(result, level, d.population);
    const c = change(result, level, d.population);
    const e = evr(result, level, d.population);
    expect(set.arms.map((a) => a.arm)).toEqual(d.arms.map((a) => a.arm));
    d.arms.forEach((ref, i) => {
      expect(set.arms[i]).toEqual({
        arm: ref.arm,
        randomized: ref.randomized,
        inPopulation: ref.inPopulation,
      });
      const summary = c.arms[i];
      const label = `${ref.arm} change`;
      expect(summary).toMatchObject({ arm: ref.arm, n: ref.change.n, missing: ref.change.missing });
      expect(summary?.imputed, `${label} imputed`).toBe(ref.change.imputed);
      for (const key of ['mean', 'sd', 'lower', 'upper'] as const)
        expectClose(summary?.[key] ?? null, ref.change[key], `${label} ${key}`);
      const rate = e.arms[i];
      expect(rate).toMatchObject({ arm: ref.arm, responders: ref.evr.x, denominator: ref.evr.n });
      for (const [key, refKey] of [
        ['rate', 'estimate'],
        ['lower', 'lower'],
        ['upper', 'upper'],
      ] as const)
        expectClose(rate?.[key] ?? null, ref.evr[refKey], `${ref.arm} EVR ${key}`);
    });
    d.comparisons.forEach((ref, i) => {
      const welch = c.comparisons[i];
      expect(welch).toMatchObject({ arm: ref.arm, control: 'CONTROL' });
      expectClose(welch?.difference ?? null, ref.change.estimate, `${ref.arm} difference`);
      for (const key of ['lower', 'upper', 'df', 't', 'pValue'] as const)
        expectClose(welch?.[key] ?? null, ref.change[key], `${ref.arm} Welch ${key}`);
      const rates = e.comparisons[i];
      expect(rates).toMatchObject({ arm: ref.arm, control: 'CONTROL' });
      expectClose(rates?.difference ?? null, ref.evr.estimate, `${ref.arm} EVR difference`);
      for (const key of ['lower', 'upper', 'pValue'] as const)
        expectClose(rates?.[key] ?? null, ref.evr[key], `${ref.arm} EVR ${key}`);
    });
  });
});

describe('populations', () => {
  const data = prepareStudy(buildStudy(protocol, SUBJECTS));
  const [itt, completers] = protocol.analysis.populations;
  const members = (population: typeof itt) =>
    data.randomized.filter((s) => population && isInPopulation(population, s)).map((s) => s.id);

  it('takes every randomized subject into ITT', () => {
    expect(members(itt)).toHaveLength(SUBJECTS.length);
  });

  it('excludes from the completers those without a week-12 result on treatment', () => {
    const out = SUBJECTS.map((s) => s.id).filter((id) => !members(completers).includes(id));
    // T6: discontinued on day 40, no W12. T7: W12 on day 84 after discontinuing on day 50. D5: no W12.
    expect(out).toEqual(['T6', 'T7', 'D5']);
  });

  it('keeps a sample taken on the day of the discontinuation as on treatment', () => {
    const sameDay = prepareStudy(
      buildStudy(protocol, [
        {
          id: 'X1',
          arm: 'TRIPLE',
          results: { D0: 1e6, W12: 1e5 },
          dispositions: { MAIN: { status: 'discontinued', day: 84, reason: 'other' } },
        },
      ]),
    );
    const subject = sameDay.randomized[0];
    expect(subject && completers && isInPopulation(completers, subject)).toBe(true);
  });

  it('states each population and its definition in the output', () => {
    expect(result.rules.populations).toEqual([
      expect.objectContaining({ code: 'ITT', kind: 'all-randomized', visit: null }),
      expect.objectContaining({ code: 'COMPLETERS', kind: 'completed-visit', visit: 'W12' }),
    ]);
    expect(result.rules.populations[1]?.definition).toMatch(/result at W12 collected on treatment/);
  });
});

describe('values below the LLOQ and target not detected', () => {
  it('imputes them at the LLOQ (the result’s, else the protocol’s) and counts them per group', () => {
    // NR triple: T2 (TND, LLOQ 15) and T4 (<25); PR triple: P3 (TND without an LLOQ: 15 from the protocol).
    expect(change(result, 'NR', 'ITT').arms[0]).toMatchObject({ arm: 'TRIPLE', imputed: 2 });
    expect(change(result, 'PR', 'ITT').arms[0]).toMatchObject({ arm: 'TRIPLE', imputed: 1 });
    expect(change(result, 'NR', 'ITT').arms[2]).toMatchObject({ arm: 'CONTROL', imputed: 0 });
    expect(evr(result, 'NR', 'COMPLETERS').arms[0]).toMatchObject({ imputed: 2 });
    const pr = [Math.log10(2e6 / 1e4), Math.log10(1e6 / 5e4), Math.log10(4e6 / 15)];
    expect(change(result, 'PR', 'ITT').arms[0]?.mean).toBeCloseTo((pr[0]! + pr[1]! + pr[2]!) / 3, 12);
  });

  it('states the rule in words, and follows a protocol asking for half the LLOQ', () => {
    expect(result.rules.belowLloq.rule).toBe('lloq');
    expect(result.rules.belowLloq.statement).toMatch(/below the lower limit of quantification.*at the LLOQ/);
    const half = analyze(buildStudy(withAnalysis({ belowLloq: 'half-lloq' }), SUBJECTS));
    expect(half.rules.belowLloq.statement).toMatch(/at half the LLOQ/);
    const pr = [Math.log10(2e6 / 1e4), Math.log10(1e6 / 5e4), Math.log10(4e6 / 7.5)];
    expect(change(half, 'PR', 'ITT').arms[0]?.mean).toBeCloseTo((pr[0]! + pr[1]! + pr[2]!) / 3, 12);
  });
});

describe('responders', () => {
  it('counts a missing week 12 as no EVR in ITT and leaves it out of the completers', () => {
    expect(evr(result, 'NR', 'ITT')).toMatchObject({ missingHandling: 'non-responder' });
    expect(evr(result, 'NR', 'ITT').arms[0]).toMatchObject({ responders: 3, denominator: 7, missing: 1 });
    expect(evr(result, 'NR', 'ITT').arms[1]).toMatchObject({ responders: 1, denominator: 5, missing: 1 });
    expect(evr(result, 'NR', 'COMPLETERS')).toMatchObject({ missingHandling: 'excluded' });
    expect(evr(result, 'NR', 'COMPLETERS').arms[0]).toMatchObject({ responders: 3, denominator: 5 });
  });

  it('counts a reduction of exactly the threshold as a response', () => {
    // C3: 5e5 → 5e3, exactly 2 log10.
    expect(evr(result, 'NR', 'COMPLETERS').arms[2]).toMatchObject({ arm: 'CONTROL', responders: 1 });
  });

  it('reproduces the published comparison, EVR 4/12 vs 1/10: Fisher p = 0.3233, Newcombe −0.1281 to 0.5213', () => {
    const responder = { D0: 1e6, W12: 5e3 };
    const other = { D0: 1e6, W12: 5e5 };
    const specs: SubjectSpec[] = [
      ...Array.from({ length: 12 }, (_, i) => ({
        id: `T${i}`,
        arm: 'TRIPLE',
        levels: NR,
        results: i < 4 ? responder : other,
      })),
      ...Array.from({ length: 10 }, (_, i) => ({
        id: `C${i}`,
        arm: 'CONTROL',
        levels: NR,
        results: i < 1 ? responder : other,
      })),
    ];
    const e = evr(analyze(buildStudy(protocol, specs)), 'NR', 'COMPLETERS');
    expect(e.arms[0]).toMatchObject({ responders: 4, denominator: 12 });
    expect(e.arms[0]?.lower).toBeCloseTo(0.0992, 4);
    expect(e.arms[0]?.upper).toBeCloseTo(0.6511, 4);
    const triple = e.comparisons.find((c) => c.arm === 'TRIPLE');
    expect(triple?.pValue).toBeCloseTo(0.3233, 4);
    expect(triple?.lower).toBeCloseTo(-0.1281, 4);
    expect(triple?.upper).toBeCloseTo(0.5213, 4);
  });
});

describe('comparisons against the control', () => {
  it('compares each other arm with the control, in protocol order', () => {
    expect(change(result, null, 'ITT').comparisons.map((c) => [c.arm, c.control])).toEqual([
      ['TRIPLE', 'CONTROL'],
      ['DOUBLE', 'CONTROL'],
    ]);
    expect(evr(result, null, 'ITT').comparisons.map((c) => c.arm)).toEqual(['TRIPLE', 'DOUBLE']);
  });

  it('makes no comparison when the protocol has no control arm, and says so', () => {
    const noControl = { ...protocol, arms: protocol.arms.map((a) => ({ ...a, control: false })) };
    const r = analyze(buildStudy(noControl, SUBJECTS));
    expect(change(r, null, 'ITT').comparisons).toEqual([]);
    expect(r.warnings).toContain('The protocol names no control arm: no comparisons');
  });
});

describe('groups too small for conclusions', () => {
  it('flags a group below the minimum size, still showing it, as the sponsor did for 3 partial responders', () => {
    const triple = change(result, 'PR', 'ITT').arms[0];
    expect(triple).toMatchObject({ n: 3, mean: expect.any(Number) });
    expect(triple?.insufficient).toEqual({ text: INSUFFICIENT_TEXT, n: 3, minimumGroupSize: 5 });
    expect(evr(result, 'PR', 'ITT').arms[0]?.insufficient?.text).toBe('insufficient for conclusions');
    expect(change(result, 'PR', 'ITT').comparisons[0]?.insufficient).toMatchObject({ n: 2 });
    expect(change(result, 'NR', 'ITT').arms[0]?.insufficient).toBeNull();
    expect(change(result, 'NR', 'COMPLETERS').arms[1]?.insufficient).toMatchObject({ n: 4 });
  });

  it('takes the minimum size from the protocol', () => {
    const r = analyze(buildStudy(withAnalysis({ minimumGroupSize: 3 }), SUBJECTS));
    expect(change(r, 'PR', 'ITT').arms[0]?.insufficient).toBeNull();
    expect(change(r, 'PR', 'ITT').arms[2]?.insufficient).toMatchObject({ n: 2, minimumGroupSize: 3 });
    expect(r.rules.minimumGroupSize).toBe(3);
  });
});

describe('subsets', () => {
  it('analyses all subjects, then each level of the protocol’s factor, each population in turn', () => {
    expect(result.efficacy.map((s) => `${s.subset.level ?? 'all'} ${s.population.code}`)).toEqual([
      'all ITT',
      'all COMPLETERS',
      'NR ITT',
      'NR COMPLETERS',
      'PR ITT',
      'PR COMPLETERS',
    ]);
    expect(result.efficacy[2]?.subset).toEqual({ factor: 'PRIORRESP', level: 'NR', label: 'Non-responder' });
    expect(result.byFactor?.levels.map((l) => l.code)).toEqual(['NR', 'PR']);
  });

  it('keeps a subject without a level in the overall analysis only, with a warning', () => {
    const r = analyze(buildStudy(protocol, [...SUBJECTS, { id: 'U1', arm: 'TRIPLE', results: { D0: 1e6 } }]));
    expect(setOf(r, null, 'ITT').arms[0]?.randomized).toBe(11);
    expect(setOf(r, 'NR', 'ITT').arms[0]?.randomized).toBe(7);
    expect(r.warnings).toContain(
      'randomized subjects without a PRIORRESP level, in the all-subjects analysis only: 1',
    );
  });
});

describe('undefined statistics', () => {
  it('gives null with a reason for one value, and no interval when all values are equal', () => {
    expect(change(result, 'PR', 'ITT').arms[1]).toMatchObject({
      arm: 'DOUBLE',
      n: 1,
      sd: null,
      lower: null,
      reason: 'a single value: no standard deviation or confidence interval',
    });
    expect(change(result, 'PR', 'ITT').arms[2]).toMatchObject({
      arm: 'CONTROL',
      sd: 0,
      lower: null,
      upper: null,
      reason: 'all values are equal: no variability, so no confidence interval',
    });
    expect(change(result, 'PR', 'ITT').comparisons[1]).toMatchObject({
      arm: 'DOUBLE',
      difference: expect.any(Number),
      pValue: null,
      reason: 'each group needs at least 2 observations',
    });
  });

  it('gives nulls with reasons for an empty arm, never NaN', () => {
    const r = analyze(
      buildStudy(
        protocol,
        SUBJECTS.filter((s) => s.arm !== 'DOUBLE'),
      ),
    );
    expect(change(r, null, 'ITT').arms[1]).toMatchObject({
      arm: 'DOUBLE',
      n: 0,
      mean: null,
      reason: 'no values in this group',
      insufficient: { n: 0 },
    });
    expect(evr(r, null, 'ITT').arms[1]).toMatchObject({
      rate: null,
      lower: null,
      reason: 'no subjects in this group',
    });
    expect(change(r, null, 'ITT').comparisons[1]).toMatchObject({
      difference: null,
      pValue: null,
      reason: 'no values in DOUBLE: no comparison',
    });
    expect(evr(r, null, 'ITT').comparisons[1]).toMatchObject({
      difference: null,
      pValue: null,
      reason: 'no subjects in DOUBLE: no comparison',
    });
    const numbers: number[] = [];
    JSON.stringify(r, (_k, v: unknown) => (typeof v === 'number' && numbers.push(v), v));
    expect(numbers.every(Number.isFinite)).toBe(true);
  });
});

describe('the output as a whole', () => {
  it('carries the schema version, the study, the protocol version and the data cut', () => {
    expect(result).toMatchObject({
      schemaVersion: 1,
      study: { code: 'celgosivir-nr-phase2', protocolVersion: 3 },
      dataCut: '2006-12-31',
    });
    expect(result.arms.map((a) => a.code)).toEqual(['TRIPLE', 'DOUBLE', 'CONTROL']);
  });

  it('does not depend on the order of the input', () => {
    const input = buildStudy(protocol, SUBJECTS, { screenFailures: 2, eligible: 1 });
    const reversed = {
      ...input,
      subjects: [...input.subjects].reverse(),
      results: [...input.results].reverse(),
      visits: [...input.visits].reverse(),
      dispositions: [...input.dispositions].reverse(),
    };
    expect(analyze(reversed)).toEqual(result);
  });
});
