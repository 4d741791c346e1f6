import { randomInt } from 'node:crypto';

/**
 * Where supply draws its random numbers: kit numbers, the active/placebo mix of a kit list, which kit
 * goes out. The operating system's CSPRNG in production; a seeded source lets a test replay a trial
 * draw for draw (the blinding test runs one twice with the masked contents swapped).
 */
export interface RandomSource {
  /** A uniformly distributed integer in [min, maxExclusive). */
  int(min: number, maxExclusive: number): number;
}

export const cryptoRandom: RandomSource = { int: (min, maxExclusive) => randomInt(min, maxExclusive) };
