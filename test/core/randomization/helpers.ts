import fc from 'fast-check';
import type { ArmSpec, PermutedBlocksSpec } from '../../../src/core/randomization/index.js';

/** A 32-byte hex seed. */
export const seedArb: fc.Arbitrary<string> = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .map((bytes) => Buffer.from(bytes).toString('hex'));

/** Fixed seeds for the deterministic (non-property) tests. */
export const SEED_A = '0123456789abcdef'.repeat(4);
export const SEED_B = 'fedcba9876543210'.repeat(4);

/** The ratios the brief asks for: 1:1:1, 1:2 and 2:1:1. */
export const RATIOS: readonly (readonly number[])[] = [
  [1, 1, 1],
  [1, 2],
  [2, 1, 1],
];

export function armsOf(ratios: readonly number[]): ArmSpec[] {
  return ratios.map((ratio, i) => ({ code: String.fromCharCode(65 + i), ratio }));
}

/** A spec with one of RATIOS and a non-empty set of block sizes among 1–4 times the ratio sum. */
export const blockSpecArb: fc.Arbitrary<PermutedBlocksSpec> = fc
  .tuple(
    fc.constantFrom(...RATIOS),
    fc.uniqueArray(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }),
  )
  .map(([ratios, multiples]) => {
    const sum = ratios.reduce((a, b) => a + b, 0);
    return { arms: armsOf(ratios), blockSizes: multiples.map((m) => m * sum) };
  });

/** Subjects per arm code in a list of arm codes. */
export function countArms(arms: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const arm of arms) counts[arm] = (counts[arm] ?? 0) + 1;
  return counts;
}
