import { describe, expect, it } from 'vitest';
import { wilcoxonRankSum } from '../../../src/core/stats/index.js';
import { expectClose, reference } from './reference.js';

const METHODS = {
  'Wilcoxon rank sum exact test': 'exact',
  'Wilcoxon rank sum test with continuity correction': 'normal-approximation',
} as const;

describe('Wilcoxon rank-sum / Mann–Whitney test (R: wilcox.test)', () => {
  it.each(reference.wilcoxon.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const result = wilcoxonRankSum(c.x, c.y, { exact: c.exact ?? undefined });
    expect(result.description).toBe(c.method);
    expect(result.method).toBe(c.method === null ? null : METHODS[c.method as keyof typeof METHODS]);
    expectClose(result.w, c.W, 'W');
    expectClose(result.pValue, c.pValue, 'p');
  });

  it('reports ties and falls back to the normal approximation even when exact is requested', () => {
    const result = wilcoxonRankSum([1, 2, 2, 3], [2, 4, 5], { exact: true });
    expect(result).toMatchObject({ ties: true, method: 'normal-approximation' });
    expect(result.z).not.toBeNull();
  });

  it('returns nulls with a reason for an empty group or when all values are equal', () => {
    expect(wilcoxonRankSum([], [1, 2])).toMatchObject({ w: null, pValue: null, method: null });
    expect(wilcoxonRankSum([], [1, 2]).reason).toMatch(/at least 1 observation/);
    const equal = wilcoxonRankSum([4, 4, 4], [4, 4]);
    expect(equal).toMatchObject({ w: 3, pValue: null, ties: true });
    expect(equal.reason).toMatch(/all values are equal/);
  });

  it('computes the exact distribution: complete separation of 5 vs 6 has p = 2 / C(11, 5)', () => {
    expect(wilcoxonRankSum([1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11]).pValue).toBeCloseTo(2 / 462, 15);
    expect(wilcoxonRankSum([6, 7, 8, 9, 10, 11], [1, 2, 3, 4, 5]).pValue).toBeCloseTo(2 / 462, 15);
  });
});
