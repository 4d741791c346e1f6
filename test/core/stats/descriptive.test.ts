import { describe, expect, it } from 'vitest';
import { mean, meanCi, sampleSd } from '../../../src/core/stats/index.js';
import { expectClose, reference } from './reference.js';

describe('mean, sd and t-based CI of a mean (R: mean, sd, t.test)', () => {
  it.each(reference.descriptive.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const result = meanCi(c.values, c.level);
    expect(result.n).toBe(c.n);
    expect(result.level).toBe(c.level);
    expectClose(result.mean, c.mean, 'mean');
    expectClose(result.sd, c.sd, 'sd');
    expectClose(result.lower, c.lower, 'lower');
    expectClose(result.upper, c.upper, 'upper');
    expectClose(mean(c.values), c.mean, 'mean()');
    expectClose(sampleSd(c.values), c.sd, 'sampleSd()');
  });

  it('returns nulls for n = 0 and null sd / CI for n = 1', () => {
    expect(meanCi([])).toEqual({ n: 0, mean: null, sd: null, lower: null, upper: null, level: 0.95 });
    expect(meanCi([7])).toEqual({ n: 1, mean: 7, sd: null, lower: null, upper: null, level: 0.95 });
  });

  it('gives the degenerate interval [mean, mean] when all values are equal', () => {
    expect(meanCi([2.5, 2.5, 2.5])).toMatchObject({ mean: 2.5, sd: 0, lower: 2.5, upper: 2.5 });
  });

  it('does not modify its input and rejects non-finite values and bad levels', () => {
    const values = Object.freeze([3, 1, 2]);
    meanCi(values);
    expect(values).toEqual([3, 1, 2]);
    expect(() => mean([1, Number.NaN])).toThrow(RangeError);
    expect(() => meanCi([1, Number.POSITIVE_INFINITY])).toThrow(RangeError);
    expect(() => meanCi([1, 2], 1)).toThrow(RangeError);
    expect(() => meanCi([1, 2], 0)).toThrow(RangeError);
  });
});
