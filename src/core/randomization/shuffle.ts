import type { Rng } from './rng.js';

/** A uniformly random permutation of `items` as a new array: Fisher–Yates, in Durstenfeld's form (CACM 1964, Algorithm 235). */
export function shuffled<T>(items: readonly T[], rng: Rng): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = rng.nextInt(i + 1);
    const a = out[i] as T;
    out[i] = out[j] as T;
    out[j] = a;
  }
  return out;
}
