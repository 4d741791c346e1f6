import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  clopperPearsonCi,
  fisherExact,
  meanCi,
  newcombeDifferenceCi,
  normalCdf,
  welchTTest,
  wilcoxonRankSum,
  wilsonCi,
} from '../../../src/core/stats/index.js';
import type { TwoByTwoTable } from '../../../src/core/stats/index.js';

/** A proportion x/n with 1 <= n <= 200. */
const proportion = fc
  .integer({ min: 1, max: 200 })
  .chain((n) => fc.tuple(fc.integer({ min: 0, max: n }), fc.constant(n)));
const cell = fc.integer({ min: 0, max: 40 });
const table = fc.tuple(cell, cell, cell, cell).map(([a, b, c, d]): TwoByTwoTable => [
  [a, b],
  [c, d],
]);
const sample = (minLength: number) =>
  fc.array(fc.double({ min: -1000, max: 1000, noNaN: true, noDefaultInfinity: true }), {
    minLength,
    maxLength: 30,
  });
const EPS = 1e-12;

describe('statistics properties', () => {
  it('proportion CIs lie in [0, 1], contain the estimate, and widen with the level', () => {
    fc.assert(
      fc.property(proportion, ([x, n]) => {
        for (const ci of [clopperPearsonCi, wilsonCi]) {
          const narrow = ci(x, n, 0.9);
          const wide = ci(x, n, 0.99);
          for (const r of [narrow, wide]) {
            expect(r.lower).not.toBeNull();
            expect(r.lower ?? -1).toBeGreaterThanOrEqual(0);
            expect(r.upper ?? 2).toBeLessThanOrEqual(1);
            expect(r.lower ?? 2).toBeLessThanOrEqual((r.estimate ?? -1) + EPS);
            expect(r.upper ?? -1).toBeGreaterThanOrEqual((r.estimate ?? 2) - EPS);
          }
          expect(wide.lower ?? 2).toBeLessThanOrEqual((narrow.lower ?? -1) + EPS);
          expect(wide.upper ?? -1).toBeGreaterThanOrEqual((narrow.upper ?? 2) - EPS);
        }
      }),
    );
  });

  it('Newcombe CI lies in [−1, 1], contains p1 − p2, and mirrors when the groups are swapped', () => {
    fc.assert(
      fc.property(proportion, proportion, ([x1, n1], [x2, n2]) => {
        const r = newcombeDifferenceCi(x1, n1, x2, n2);
        const swapped = newcombeDifferenceCi(x2, n2, x1, n1);
        expect(r.lower ?? -2).toBeGreaterThanOrEqual(-1 - EPS);
        expect(r.upper ?? 2).toBeLessThanOrEqual(1 + EPS);
        expect(r.lower ?? 2).toBeLessThanOrEqual((r.estimate ?? -2) + EPS);
        expect(r.upper ?? -2).toBeGreaterThanOrEqual((r.estimate ?? 2) - EPS);
        expect(swapped.lower ?? 0).toBeCloseTo(-(r.upper ?? 0), 12);
        expect(swapped.upper ?? 0).toBeCloseTo(-(r.lower ?? 0), 12);
      }),
    );
  });

  it('Fisher p is in [0, 1] and unchanged by swapping the groups (rows) or transposing', () => {
    fc.assert(
      fc.property(table, (t) => {
        const [[a, b], [c, d]] = t;
        const p = fisherExact(t).pValue;
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThanOrEqual(1);
        const swapped = fisherExact([
          [c, d],
          [a, b],
        ]);
        const transposed = fisherExact([
          [a, c],
          [b, d],
        ]);
        expect(swapped.pValue).toBeCloseTo(p, 12);
        expect(transposed.pValue).toBeCloseTo(p, 12);
        // Swapping the groups inverts the odds ratio, so the one-sided alternatives trade places.
        expect(fisherExact(t, 'less').pValue).toBeCloseTo(fisherExact(swapped.table, 'greater').pValue, 12);
        // The two one-sided p-values overlap in the observed table, so they add up to at least 1.
        expect(fisherExact(t, 'less').pValue + fisherExact(t, 'greater').pValue).toBeGreaterThanOrEqual(
          1 - EPS,
        );
      }),
    );
  });

  it('the t-based CI of a mean contains the mean', () => {
    fc.assert(
      fc.property(sample(2), (values) => {
        const r = meanCi(values);
        expect(r.lower ?? Number.NaN).toBeLessThanOrEqual(r.mean ?? Number.NaN);
        expect(r.upper ?? Number.NaN).toBeGreaterThanOrEqual(r.mean ?? Number.NaN);
      }),
    );
  });

  it('Welch: the CI contains the difference, p is in [0, 1], and swapping x and y mirrors the result', () => {
    fc.assert(
      fc.property(sample(2), sample(2), (x, y) => {
        const r = welchTTest(x, y);
        const swapped = welchTTest(y, x);
        if (r.pValue === null) {
          expect(r.reason).toMatch(/essentially constant/);
          return;
        }
        expect(r.pValue).toBeGreaterThanOrEqual(0);
        expect(r.pValue).toBeLessThanOrEqual(1);
        expect(r.lower ?? Number.NaN).toBeLessThanOrEqual(r.estimate ?? Number.NaN);
        expect(r.upper ?? Number.NaN).toBeGreaterThanOrEqual(r.estimate ?? Number.NaN);
        expect(swapped.pValue ?? Number.NaN).toBeCloseTo(r.pValue, 12);
        expect(swapped.t ?? Number.NaN).toBeCloseTo(-(r.t ?? Number.NaN), 9);
      }),
    );
  });

  it('Wilcoxon: p is in [0, 1] and swapping x and y gives W′ = nX·nY − W with the same p', () => {
    fc.assert(
      fc.property(sample(1), sample(1), (x, y) => {
        const r = wilcoxonRankSum(x, y);
        const swapped = wilcoxonRankSum(y, x);
        expect(swapped.w ?? Number.NaN).toBeCloseTo(x.length * y.length - (r.w ?? Number.NaN), 9);
        expect(swapped.method).toBe(r.method);
        if (r.pValue === null) return; // all values equal
        expect(r.pValue).toBeGreaterThanOrEqual(0);
        expect(r.pValue).toBeLessThanOrEqual(1);
        expect(swapped.pValue ?? Number.NaN).toBeCloseTo(r.pValue, 12);
      }),
    );
  });

  it('Wilcoxon exact p-values are close to the normal approximation for moderate samples without ties', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 10_000 }), { minLength: 40, maxLength: 60 }),
        (values) => {
          const x = values.slice(0, 20);
          const y = values.slice(20);
          const exact = wilcoxonRankSum(x, y, { exact: true }).pValue ?? Number.NaN;
          const normal = wilcoxonRankSum(x, y, { exact: false }).pValue ?? Number.NaN;
          expect(Math.abs(exact - normal)).toBeLessThan(0.01);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('the normal CDF is symmetric and increasing', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -30, max: 30, noNaN: true }),
        fc.double({ min: 0, max: 5, noNaN: true }),
        (x, h) => {
          expect(normalCdf(x) + normalCdf(-x)).toBeCloseTo(1, 14);
          expect(normalCdf(x + h)).toBeGreaterThanOrEqual(normalCdf(x));
        },
      ),
    );
  });
});
