import betaQuantile from '@stdlib/stats-base-dists-beta-quantile';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import { assertCount, assertLevel } from './validate.js';

/** A proportion x/n with a confidence interval; estimate and limits are null when n = 0. */
export interface ProportionCi {
  readonly x: number;
  readonly n: number;
  readonly estimate: number | null;
  readonly lower: number | null;
  readonly upper: number | null;
  readonly level: number;
}

function checkProportion(x: number, n: number, level: number): void {
  assertCount('x', x);
  assertCount('n', n);
  if (x > n) throw new RangeError(`x must not exceed n, got x = ${x}, n = ${n}`);
  assertLevel(level);
}

/** Clopper–Pearson, exact (beta quantiles; binom.test in R): 0/n has lower 0, n/n has upper 1. */
export function clopperPearsonCi(x: number, n: number, level = 0.95): ProportionCi {
  checkProportion(x, n, level);
  if (n === 0) return { x, n, estimate: null, lower: null, upper: null, level };
  const alpha = 1 - level;
  const lower = x === 0 ? 0 : betaQuantile(alpha / 2, x, n - x + 1);
  const upper = x === n ? 1 : betaQuantile(1 - alpha / 2, x + 1, n - x);
  return { x, n, estimate: x / n, lower, upper, level };
}

/** Wilson score interval, no continuity correction (Wilson 1927; prop.test(correct = FALSE) in R). */
export function wilsonCi(x: number, n: number, level = 0.95): ProportionCi {
  checkProportion(x, n, level);
  if (n === 0) return { x, n, estimate: null, lower: null, upper: null, level };
  const z = normalQuantile(1 - (1 - level) / 2, 0, 1);
  const p = x / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  // Mathematically the limits are exactly 0 at x = 0 and 1 at x = n; clamp the rounding.
  return {
    x,
    n,
    estimate: p,
    lower: x === 0 ? 0 : Math.max(0, centre - half),
    upper: x === n ? 1 : Math.min(1, centre + half),
    level,
  };
}
