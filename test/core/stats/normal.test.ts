import { describe, expect, it } from 'vitest';
import { normalCdf, normalSurvival } from '../../../src/core/stats/index.js';
import { expectClose, reference } from './reference.js';

describe('standard normal CDF (R: pnorm)', () => {
  it.each(reference.normalCdf.map((c) => [c.x, c] as const))('x = %d', (_x, c) => {
    // Relative 1e-12: pnorm is accurate to machine precision and so is this implementation.
    expectClose(normalCdf(c.x), c.lower, 'lower tail', 1e-12);
    expectClose(normalSurvival(c.x), c.upper, 'upper tail', 1e-12);
  });

  it('propagates NaN', () => {
    expect(normalCdf(Number.NaN)).toBeNaN();
  });
});
