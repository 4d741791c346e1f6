import { describe, expect, it } from 'vitest';
import { clopperPearsonCi, wilsonCi } from '../../../src/core/stats/index.js';
import { expectClose, reference } from './reference.js';

const label = (c: { x: number; n: number; level: number }): string => `${c.x}/${c.n} at ${c.level}`;

describe('Clopper–Pearson exact CI (R: binom.test)', () => {
  it.each(reference.clopperPearson.map((c) => [label(c), c] as const))('%s', (_name, c) => {
    const result = clopperPearsonCi(c.x, c.n, c.level);
    expect(result).toMatchObject({ x: c.x, n: c.n, level: c.level });
    expectClose(result.estimate, c.estimate, 'estimate');
    expectClose(result.lower, c.lower, 'lower');
    expectClose(result.upper, c.upper, 'upper');
  });

  it('4/12 gives 0.0992 to 0.6511 (published 4-decimal values, hence 5e-5)', () => {
    const result = clopperPearsonCi(4, 12);
    expect(result.lower).toBeCloseTo(0.0992, 4);
    expect(result.upper).toBeCloseTo(0.6511, 4);
  });

  it('has lower = 0 for 0/n, upper = 1 for n/n, and nulls for n = 0', () => {
    expect(clopperPearsonCi(0, 15).lower).toBe(0);
    expect(clopperPearsonCi(15, 15).upper).toBe(1);
    expect(clopperPearsonCi(0, 0)).toEqual({
      x: 0,
      n: 0,
      estimate: null,
      lower: null,
      upper: null,
      level: 0.95,
    });
  });

  it('rejects impossible counts', () => {
    expect(() => clopperPearsonCi(5, 4)).toThrow(RangeError);
    expect(() => clopperPearsonCi(-1, 4)).toThrow(RangeError);
    expect(() => clopperPearsonCi(1.5, 4)).toThrow(RangeError);
    expect(() => clopperPearsonCi(1, 4, 1.2)).toThrow(RangeError);
  });
});

describe('Wilson score CI (R: formula, checked against prop.test(correct = FALSE))', () => {
  it.each(reference.wilson.map((c) => [label(c), c] as const))('%s', (_name, c) => {
    const result = wilsonCi(c.x, c.n, c.level);
    expectClose(result.estimate, c.estimate, 'estimate');
    expectClose(result.lower, c.lower, 'lower');
    expectClose(result.upper, c.upper, 'upper');
  });

  it('has lower = 0 for 0/n, upper = 1 for n/n, and nulls for n = 0', () => {
    expect(wilsonCi(0, 9).lower).toBe(0);
    expect(wilsonCi(9, 9).upper).toBe(1);
    expect(wilsonCi(0, 0)).toMatchObject({ estimate: null, lower: null, upper: null });
  });
});
