import { describe, expect, it } from 'vitest';
import { fisherExact } from '../../../src/core/stats/index.js';
import type { Alternative } from '../../../src/core/stats/index.js';
import { expectClose, reference } from './reference.js';

const ALTERNATIVES = { 'two.sided': 'two-sided', less: 'less', greater: 'greater' } as const;

describe("Fisher's exact test, 2×2 (R: fisher.test)", () => {
  it.each(reference.fisher.map((c) => [`${JSON.stringify(c.table)} ${c.alternative}`, c] as const))(
    '%s',
    (_name, c) => {
      const alternative: Alternative = ALTERNATIVES[c.alternative];
      const result = fisherExact(c.table, alternative);
      expect(result.alternative).toBe(alternative);
      expect(result.table).toEqual(c.table);
      expectClose(result.pValue, c.pValue, 'p');
    },
  );

  it('4/12 vs 1/10 gives two-sided p = 0.3233', () => {
    expect(
      fisherExact([
        [4, 8],
        [1, 9],
      ]).pValue,
    ).toBeCloseTo(0.3233, 4);
  });

  it('gives p = 1 for an all-zero table and for a zero margin', () => {
    expect(
      fisherExact([
        [0, 0],
        [0, 0],
      ]).pValue,
    ).toBe(1);
    expect(
      fisherExact([
        [0, 5],
        [0, 3],
      ]).pValue,
    ).toBe(1);
  });

  it('rejects non-count cells', () => {
    expect(() =>
      fisherExact([
        [1, -1],
        [2, 3],
      ]),
    ).toThrow(RangeError);
    expect(() =>
      fisherExact([
        [1, 0.5],
        [2, 3],
      ]),
    ).toThrow(RangeError);
  });
});
