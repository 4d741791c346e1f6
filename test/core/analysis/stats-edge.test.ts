import { describe, expect, it } from 'vitest';
import {
  clopperPearsonCi,
  fisherExact,
  meanCi,
  newcombeDifferenceCi,
  welchTTest,
} from '../../../src/core/stats/index.js';
import { expectClose } from '../stats/reference.js';
import { reference } from './reference.js';

const { named, edge } = reference;

describe('the values issue 5 names (R: fisher.test, binom.test, Newcombe method 10)', () => {
  it("Fisher's exact test, 4/12 vs 1/10: two-sided p = 0.3233", () => {
    const p = fisherExact([
      [4, 8],
      [1, 9],
    ]).pValue;
    expectClose(p, named.fisher.pValue, 'p');
    expect(p).toBeCloseTo(0.3233, 4);
  });

  it('Clopper–Pearson, 4/12: 0.0992 to 0.6511', () => {
    const ci = clopperPearsonCi(4, 12);
    expectClose(ci.lower, named.clopperPearson.lower, 'lower');
    expectClose(ci.upper, named.clopperPearson.upper, 'upper');
    expect(ci.lower).toBeCloseTo(0.0992, 4);
    expect(ci.upper).toBeCloseTo(0.6511, 4);
  });

  it('Newcombe hybrid score, 4/12 − 1/10: −0.1281 to 0.5213', () => {
    const ci = newcombeDifferenceCi(4, 12, 1, 10);
    expectClose(ci.estimate, named.newcombe.estimate, 'estimate');
    expectClose(ci.lower, named.newcombe.lower, 'lower');
    expectClose(ci.upper, named.newcombe.upper, 'upper');
    expect(ci.lower).toBeCloseTo(-0.1281, 4);
    expect(ci.upper).toBeCloseTo(0.5213, 4);
  });
});

describe('statistics at their edges, against R', () => {
  it.each(edge.proportions.map((c) => [`${c.x}/${c.n}`, c] as const))('Clopper–Pearson %s', (_name, c) => {
    const ci = clopperPearsonCi(c.x, c.n);
    expectClose(ci.estimate, c.estimate, 'estimate');
    expectClose(ci.lower, c.lower, 'lower');
    expectClose(ci.upper, c.upper, 'upper');
  });

  it.each(edge.differences.map((c) => [`${c.x1}/${c.n1} − ${c.x2}/${c.n2}`, c] as const))(
    'Newcombe and Fisher %s',
    (_name, c) => {
      const ci = newcombeDifferenceCi(c.x1, c.n1, c.x2, c.n2);
      expectClose(ci.estimate, c.estimate, 'estimate');
      expectClose(ci.lower, c.lower, 'lower');
      expectClose(ci.upper, c.upper, 'upper');
      // An empty arm has no comparison: R's value is null there and the engine reports null with a
      // reason (efficacy.test.ts) rather than the p = 1 of a table with an empty row.
      if (c.pValue !== null)
        expectClose(
          fisherExact([
            [c.x1, c.n1 - c.x1],
            [c.x2, c.n2 - c.x2],
          ]).pValue,
          c.pValue,
          'p',
        );
    },
  );

  it.each(edge.means.map((c) => [c.name, c] as const))('mean, SD and t CI: %s', (name, c) => {
    const ci = meanCi(c.values);
    expect(ci.n).toBe(c.n);
    expectClose(ci.mean, c.mean, 'mean');
    expectClose(ci.sd, c.sd, 'sd');
    if (name === 'all values equal') {
      // R's t.test stops ("data are essentially constant"); the stats core gives [mean, mean] and the
      // analysis engine reports no interval, with a reason (efficacy.test.ts).
      expect(ci).toMatchObject({ lower: c.mean, upper: c.mean });
      expect(c.lower).toBeNull();
    } else {
      expectClose(ci.lower, c.lower, 'lower');
      expectClose(ci.upper, c.upper, 'upper');
    }
  });

  it.each(edge.welch.map((c) => [c.name, c] as const))('Welch: %s', (_name, c) => {
    const w = welchTTest(c.x, c.y);
    expectClose(w.estimate, c.estimate, 'estimate');
    expectClose(w.df, c.df, 'df');
    expectClose(w.t, c.t, 't');
    expectClose(w.pValue, c.pValue, 'p');
    expectClose(w.lower, c.lower, 'lower');
    expectClose(w.upper, c.upper, 'upper');
    expect(w.reason === null).toBe(c.pValue !== null);
  });
});
