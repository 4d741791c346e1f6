import { createRng } from '../../src/core/randomization/rng.js';
import type { RandomSource } from '../../src/core/supply/random.js';

/** A deterministic RandomSource: the same label gives the same draws, so a test can replay a trial. */
export function seededRandom(label: string): RandomSource {
  const rng = createRng('5eed'.repeat(16), label);
  return { int: (min, maxExclusive) => min + rng.nextInt(maxExclusive - min) };
}
