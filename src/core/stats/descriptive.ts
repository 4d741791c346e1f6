import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import { assertFinite, assertLevel } from './validate.js';

/** Summary of one sample with a t-based confidence interval of its mean; null where undefined. */
export interface MeanCi {
  readonly n: number;
  /** null when n = 0. */
  readonly mean: number | null;
  /** Sample standard deviation (divisor n − 1); null when n < 2. */
  readonly sd: number | null;
  /** Confidence limits; null when n < 2. With sd = 0 the interval is [mean, mean]. */
  readonly lower: number | null;
  readonly upper: number | null;
  readonly level: number;
}

/** Arithmetic mean, two-pass with R's refinement (mean(x) in R); null for an empty sample. */
export function mean(values: readonly number[]): number | null {
  assertFinite('values', values);
  const n = values.length;
  if (n === 0) return null;
  let sum = 0;
  for (const v of values) sum += v;
  const first = sum / n;
  let residual = 0;
  for (const v of values) residual += v - first;
  return first + residual / n;
}

/** Sample variance with divisor n − 1, two-pass (var(x) in R); null when n < 2. */
export function sampleVariance(values: readonly number[]): number | null {
  const m = mean(values);
  if (m === null || values.length < 2) return null;
  let squares = 0;
  for (const v of values) squares += (v - m) ** 2;
  return squares / (values.length - 1);
}

/** Sample standard deviation with divisor n − 1 (sd(x) in R); null when n < 2. */
export function sampleSd(values: readonly number[]): number | null {
  const variance = sampleVariance(values);
  return variance === null ? null : Math.sqrt(variance);
}

/** Mean with Student-t confidence interval, mean ± t(1−α/2, n−1)·sd/√n (t.test(x)$conf.int in R). */
export function meanCi(values: readonly number[], level = 0.95): MeanCi {
  assertLevel(level);
  const n = values.length;
  const m = mean(values);
  const sd = sampleSd(values);
  if (m === null || sd === null) return { n, mean: m, sd, lower: null, upper: null, level };
  const half = tQuantile(1 - (1 - level) / 2, n - 1) * (sd / Math.sqrt(n));
  return { n, mean: m, sd, lower: m - half, upper: m + half, level };
}
