import { describe, expect, it } from 'vitest';
import { welchTTest } from '../../../src/core/stats/index.js';
import { expectClose, reference } from './reference.js';

describe('Welch two-sample t-test (R: t.test(var.equal = FALSE))', () => {
  it.each(reference.welch.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const result = welchTTest(c.x, c.y, c.level);
    expect(result).toMatchObject({ nX: c.x.length, nY: c.y.length, level: c.level });
    expectClose(result.estimate, c.estimate, 'estimate');
    expectClose(result.df, c.df, 'df');
    expectClose(result.t, c.t, 't');
    expectClose(result.pValue, c.pValue, 'p');
    expectClose(result.lower, c.lower, 'lower');
    expectClose(result.upper, c.upper, 'upper');
    // R stops with an error exactly where we return a reason.
    expect(result.reason === null).toBe(c.pValue !== null);
  });

  it('explains why the test is undefined', () => {
    expect(welchTTest([1], [1, 2, 3]).reason).toMatch(/at least 2 observations/);
    expect(welchTTest([], [1, 2, 3])).toMatchObject({ estimate: null, meanX: null, pValue: null });
    expect(welchTTest([5, 5, 5], [7, 7])).toMatchObject({ estimate: -2, pValue: null, df: null });
    expect(welchTTest([5, 5, 5], [7, 7]).reason).toMatch(/essentially constant/);
    expect(welchTTest([0, 0], [0, 0, 0]).reason).toMatch(/essentially constant/);
  });

  it('uses the other group alone when one group has zero variance (df = n − 1 of the other)', () => {
    const result = welchTTest([5, 5, 5, 5], [4.2, 5.9, 6.3, 3.8, 5.1]);
    expect(result.df).toBeCloseTo(4, 12);
    expect(result.reason).toBeNull();
  });
});
