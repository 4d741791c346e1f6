import { describe, expect, it } from 'vitest';
import { analyze } from '../../../src/core/analysis/index.js';
import { expectClose } from '../stats/reference.js';
import { reference } from './reference.js';
import { buildStudy, NAIVE_PROTOCOL, OTHER_PROTOCOL, readProtocol, type SubjectSpec } from './support.js';

describe('a study of another shape (1:2, a plain-number score, an increase, no factor)', () => {
  const protocol = readProtocol(OTHER_PROTOCOL);
  const score = (base: number | null, m6: number | null) => ({
    ...(base === null ? {} : { BASE: base }),
    ...(m6 === null ? {} : { M6: m6 }),
  });
  const subjects: SubjectSpec[] = [
    { id: 'P1', arm: 'PLACEBO', results: score(50, 55) },
    { id: 'P2', arm: 'PLACEBO', results: score(40, 42) },
    { id: 'P3', arm: 'PLACEBO', results: score(60, 58) },
    { id: 'P4', arm: 'PLACEBO', results: score(45, null) },
    { id: 'A1', arm: 'ACTIVE', results: score(50, 65) },
    { id: 'A2', arm: 'ACTIVE', results: score(40, 52) },
    { id: 'A3', arm: 'ACTIVE', results: score(55, 60) },
    { id: 'A4', arm: 'ACTIVE', results: score(30, 41) },
    { id: 'A5', arm: 'ACTIVE', results: score(62, 70) },
    { id: 'A6', arm: 'ACTIVE', results: score(null, 75) },
  ];
  const result = analyze(buildStudy(protocol, subjects));
  const ref = reference.otherShape;

  it('has one analysis set per population and no factor, arms in protocol order (control first)', () => {
    expect(result.byFactor).toBeNull();
    expect(result.efficacy.map((s) => [s.subset.factor, s.population.code])).toEqual([[null, 'ITT']]);
    expect(result.arms.map((a) => a.code)).toEqual(['PLACEBO', 'ACTIVE']);
    expect(result.extension).toBeNull();
  });

  it('computes the change as visit − baseline, untransformed, against R', () => {
    const change = result.efficacy[0]?.endpoints[0];
    if (change?.kind !== 'change-from-baseline') throw new Error('expected the change endpoint');
    expect(change).toMatchObject({
      code: 'CHG_M6',
      direction: 'increase',
      transform: 'none',
      unit: 'points',
    });
    ref.arms.forEach((r, i) => {
      const arm = change.arms[i];
      expect(arm).toMatchObject({ arm: r.arm, inPopulation: r.inPopulation, n: r.change.n });
      for (const key of ['mean', 'sd', 'lower', 'upper'] as const)
        expectClose(arm?.[key] ?? null, r.change[key], `${r.arm} ${key}`);
    });
    const welch = change.comparisons[0];
    expect(change.comparisons).toHaveLength(1);
    expect(welch).toMatchObject({ arm: 'ACTIVE', control: 'PLACEBO' });
    expectClose(welch?.difference ?? null, ref.comparison.change.estimate, 'difference');
    for (const key of ['lower', 'upper', 'df', 't', 'pValue'] as const)
      expectClose(welch?.[key] ?? null, ref.comparison.change[key], key);
  });

  it('thresholds responders on the increase, missing values counting as non-responders, against R', () => {
    const resp = result.efficacy[0]?.endpoints[1];
    if (resp?.kind !== 'responder') throw new Error('expected the responder endpoint');
    expect(resp).toMatchObject({
      code: 'RESP',
      threshold: 10,
      visit: 'M6',
      missingHandling: 'non-responder',
    });
    ref.arms.forEach((r, i) => {
      const arm = resp.arms[i];
      expect(arm).toMatchObject({ arm: r.arm, responders: r.responders.x, denominator: r.responders.n });
      expectClose(arm?.lower ?? null, r.responders.lower, `${r.arm} lower`);
      expectClose(arm?.upper ?? null, r.responders.upper, `${r.arm} upper`);
    });
    const cmp = resp.comparisons[0];
    for (const key of ['lower', 'upper', 'pValue'] as const)
      expectClose(cmp?.[key] ?? null, ref.comparison.responders[key], key);
  });

  it('flags groups below the protocol’s minimum size of 3', () => {
    const change = result.efficacy[0]?.endpoints[0];
    expect(change?.arms.map((a) => a.insufficient?.n ?? null)).toEqual([null, null]);
    const small = analyze(
      buildStudy(
        protocol,
        subjects.filter((s) => s.id !== 'P1' && s.id !== 'P2'),
      ),
    );
    expect(small.efficacy[0]?.endpoints[0]?.arms[0]?.insufficient).toMatchObject({
      n: 1,
      minimumGroupSize: 3,
    });
  });
});

describe('a study with interim analyses (treatment-naive, weeks 4 and 12)', () => {
  const protocol = readProtocol(NAIVE_PROTOCOL);
  const subjects: SubjectSpec[] = [
    { id: 'N1', arm: 'TRIPLE', results: { D0: 1e6, W4: 1e5, W12: 1e4 } },
    {
      id: 'N2',
      arm: 'TRIPLE',
      results: { D0: 1e6, W4: 5e5 },
      dispositions: { MAIN: { status: 'discontinued', day: 40, reason: 'adverse_event', drug: 'RBV' } },
    },
    { id: 'N3', arm: 'CONTROL', results: { D0: 1e6, W4: 8e5, W12: 4e5 } },
  ];
  const result = analyze(buildStudy(protocol, subjects));

  it('lists the interim analyses with the endpoints at their visits', () => {
    expect(result.interim).toEqual([
      { code: 'IA_W4', label: 'Interim analysis at week 4', visit: 'W4', endpoints: ['LOGRED_W4'] },
      {
        code: 'IA_W12',
        label: 'Interim analysis at week 12',
        visit: 'W12',
        endpoints: ['LOGRED_W12', 'EVR'],
      },
    ]);
    expect(result.efficacy[0]?.endpoints.map((e) => [e.code, e.visit, e.interim])).toEqual([
      ['LOGRED_W4', 'W4', ['IA_W4']],
      ['LOGRED_W12', 'W12', ['IA_W12']],
      ['EVR', 'W12', ['IA_W12']],
    ]);
  });

  it('analyses each change endpoint at its own visit, in each population', () => {
    expect(result.efficacy.map((s) => s.population.code)).toEqual(['ITT', 'COMPLETERS_W4', 'COMPLETERS']);
    const mean = (population: number, endpoint: number) =>
      result.efficacy[population]?.endpoints[endpoint]?.arms[0];
    // W4: N1 1 log10, N2 log10(2); W12: N1 only (N2 discontinued before week 12).
    expect(mean(0, 0)).toMatchObject({ n: 2, mean: expect.closeTo((1 + Math.log10(2)) / 2, 12) });
    expect(mean(0, 1)).toMatchObject({ n: 1, mean: expect.closeTo(2, 12), missing: 1 });
    expect(mean(1, 0)).toMatchObject({ inPopulation: 2, n: 2 });
    expect(mean(2, 0)).toMatchObject({ inPopulation: 1, n: 1, mean: expect.closeTo(1, 12) });
  });
});
