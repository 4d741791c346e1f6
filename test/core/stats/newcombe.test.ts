import { describe, expect, it } from 'vitest';
import { newcombeDifferenceCi } from '../../../src/core/stats/index.js';
import { expectClose, reference } from './reference.js';

describe('Newcombe hybrid score CI of p1 − p2 (R: formula from Wilson intervals)', () => {
  it.each(reference.newcombe.map((c) => [`${c.x1}/${c.n1} − ${c.x2}/${c.n2} at ${c.level}`, c] as const))(
    '%s',
    (_name, c) => {
      const result = newcombeDifferenceCi(c.x1, c.n1, c.x2, c.n2, c.level);
      expect(result.level).toBe(c.level);
      expectClose(result.estimate, c.estimate, 'estimate');
      expectClose(result.lower, c.lower, 'lower');
      expectClose(result.upper, c.upper, 'upper');
    },
  );

  // Published values are rounded to 4 decimals, hence the 5e-5 tolerance (toBeCloseTo(…, 4)).
  it('4/12 − 1/10 gives −0.1281 to 0.5213', () => {
    const result = newcombeDifferenceCi(4, 12, 1, 10);
    expect(result.lower).toBeCloseTo(-0.1281, 4);
    expect(result.upper).toBeCloseTo(0.5213, 4);
  });

  it('reproduces Newcombe (1998) Table II, 56/70 − 48/80: 0.0524 to 0.3339', () => {
    const result = newcombeDifferenceCi(56, 70, 48, 80);
    expect(result.lower).toBeCloseTo(0.0524, 4);
    expect(result.upper).toBeCloseTo(0.3339, 4);
  });

  it('returns nulls when a group is empty', () => {
    expect(newcombeDifferenceCi(0, 0, 3, 10)).toEqual({
      estimate: null,
      lower: null,
      upper: null,
      level: 0.95,
    });
    expect(newcombeDifferenceCi(3, 10, 0, 0)).toEqual({
      estimate: null,
      lower: null,
      upper: null,
      level: 0.95,
    });
  });
});
