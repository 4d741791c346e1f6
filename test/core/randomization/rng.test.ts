import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRng, generateSeed, parseSeed } from '../../../src/core/randomization/index.js';
import { SEED_A, SEED_B, seedArb } from './helpers.js';

const draws = (seed: string, label: string, n: number): number[] => {
  const rng = createRng(seed, label);
  return Array.from({ length: n }, () => rng.nextUint32());
};

describe('createRng', () => {
  it('follows the documented construction: HMAC(seed, domain‖0‖label) keys HMAC of a 64-bit counter', () => {
    const key = createHmac('sha256', Buffer.from(SEED_A, 'hex'))
      .update('trialdesk/randomization/rng/v1\0site-7')
      .digest();
    const block = (n: number): Buffer => {
      const counter = Buffer.alloc(8);
      counter.writeUInt32BE(n, 4);
      return createHmac('sha256', key).update(counter).digest();
    };
    const expected = [0, 1].flatMap((n) => {
      const b = block(n);
      return Array.from({ length: 8 }, (_, i) => b.readUInt32BE(i * 4));
    });
    expect(draws(SEED_A, 'site-7', 16)).toEqual(expected);
  });

  it('is deterministic: the same seed and label always give the same stream', () => {
    fc.assert(
      fc.property(seedArb, fc.string(), (seed, label) => {
        expect(draws(seed, label, 20)).toEqual(draws(seed, label, 20));
      }),
      { numRuns: 50 },
    );
  });

  it('gives different streams for different seeds or labels', () => {
    fc.assert(
      fc.property(seedArb, seedArb, fc.string(), fc.string(), (s1, s2, l1, l2) => {
        fc.pre(s1 !== s2 && l1 !== l2);
        expect(draws(s1, l1, 4)).not.toEqual(draws(s2, l1, 4));
        expect(draws(s1, l1, 4)).not.toEqual(draws(s1, l2, 4));
      }),
      { numRuns: 50 },
    );
  });

  it('nextInt stays in [0, max) for any max up to 2^32, and nextFloat in [0, 1)', () => {
    fc.assert(
      fc.property(seedArb, fc.integer({ min: 1, max: 2 ** 32 }), (seed, max) => {
        const rng = createRng(seed, 'range');
        for (let i = 0; i < 20; i += 1) {
          const n = rng.nextInt(max);
          expect(Number.isInteger(n) && n >= 0 && n < max).toBe(true);
          const x = rng.nextFloat();
          expect(x >= 0 && x < 1).toBe(true);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('nextInt(6) passes a chi-square test over 60,000 draws', () => {
    const rng = createRng(SEED_B, 'chi-square');
    const counts = new Array<number>(6).fill(0);
    const n = 60_000;
    for (let i = 0; i < n; i += 1) {
      const k = rng.nextInt(6);
      counts[k] = (counts[k] ?? 0) + 1;
    }
    const expected = n / 6;
    const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    // 5 degrees of freedom: P(χ² > 20.5) = 0.001; 30 is generous (P ≈ 1.5e-5) and the seed is fixed.
    expect(chi2).toBeLessThan(30);
  });

  it('nextInt has no modulo bias even where plain modulo would be badly biased', () => {
    // 2^32 mod (3·2^30) = 2^30, so `uint32 % max` would put half the draws below 2^30 instead of a third.
    const rng = createRng(SEED_A, 'modulo-bias');
    const max = 3 * 2 ** 30;
    const n = 30_000;
    let low = 0;
    for (let i = 0; i < n; i += 1) if (rng.nextInt(max) < 2 ** 30) low += 1;
    // Binomial(30000, 1/3): sd ≈ 82, so ±600 is over 7 sd, while a biased generator lands at 15,000.
    expect(Math.abs(low - n / 3)).toBeLessThan(600);
  });

  it('nextFloat has mean close to 1/2', () => {
    const rng = createRng(SEED_A, 'float');
    const n = 20_000;
    let sum = 0;
    for (let i = 0; i < n; i += 1) sum += rng.nextFloat();
    // sd of the mean of n uniforms is 1/sqrt(12n) ≈ 0.002; 0.01 is 5 sd.
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(0.01);
  });

  it('nextInt(1) is always 0 and invalid bounds are rejected', () => {
    const rng = createRng(SEED_A, 'edge');
    expect(Array.from({ length: 5 }, () => rng.nextInt(1))).toEqual([0, 0, 0, 0, 0]);
    for (const bad of [0, -1, 2.5, 2 ** 32 + 1, Number.NaN, Infinity])
      expect(() => rng.nextInt(bad)).toThrow(RangeError);
  });
});

describe('seeds', () => {
  it('generateSeed returns 64 fresh lowercase hex digits that createRng accepts', () => {
    const a = generateSeed();
    const b = generateSeed();
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(a).not.toBe(b);
    expect(parseSeed(a)).toHaveLength(32);
    expect(() => createRng(a, 'x')).not.toThrow();
  });

  it('rejects seeds that are not hex of at least 16 bytes', () => {
    for (const bad of ['', 'abc', 'zz'.repeat(32), 'ab'.repeat(15), `${'ab'.repeat(16)}a`])
      expect(() => createRng(bad, 'x')).toThrow(/seed must be hex of at least 16 bytes/);
  });
});
