import tCdf from '@stdlib/stats-base-dists-t-cdf';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import { mean, sampleVariance } from './descriptive.js';
import { assertLevel } from './validate.js';

/**
 * Welch two-sample t-test of x against y. `estimate` is mean(x) − mean(y); the others are null
 * when the test is undefined, and `reason` then says why (it is null when the test was computed).
 */
export interface WelchTTestResult {
  readonly nX: number;
  readonly nY: number;
  readonly meanX: number | null;
  readonly meanY: number | null;
  /** mean(x) − mean(y); null when a group is empty. */
  readonly estimate: number | null;
  readonly standardError: number | null;
  /** Welch–Satterthwaite degrees of freedom (not an integer in general). */
  readonly df: number | null;
  readonly t: number | null;
  /** Two-sided p-value. */
  readonly pValue: number | null;
  /** Confidence interval of the difference of means. */
  readonly lower: number | null;
  readonly upper: number | null;
  readonly level: number;
  readonly reason: string | null;
}

/** Welch's unequal-variance t-test with Welch–Satterthwaite df (Welch 1947; t.test(var.equal = FALSE) in R). */
export function welchTTest(x: readonly number[], y: readonly number[], level = 0.95): WelchTTestResult {
  // Edge cases, where R's t.test() stops with an error, return nulls and a reason instead:
  //   - fewer than 2 observations in a group ("not enough observations"): no variance estimate;
  //   - standard error 0 or negligible (R: < 10·ε·max(|mean x|, |mean y|), "data are essentially
  //     constant"), e.g. both groups constant: t and df are 0/0. One constant group is fine;
  //   - values so large that the variance overflows (not an R error; R returns NaN there).
  assertLevel(level);
  const meanX = mean(x);
  const meanY = mean(y);
  const estimate = meanX === null || meanY === null ? null : meanX - meanY;
  const base = { nX: x.length, nY: y.length, meanX, meanY, estimate, level };
  const undefinedTest = (reason: string): WelchTTestResult => ({
    ...base,
    standardError: null,
    df: null,
    t: null,
    pValue: null,
    lower: null,
    upper: null,
    reason,
  });
  const varX = sampleVariance(x);
  const varY = sampleVariance(y);
  if (meanX === null || meanY === null || estimate === null || varX === null || varY === null) {
    return undefinedTest('each group needs at least 2 observations');
  }
  const seX2 = varX / x.length;
  const seY2 = varY / y.length;
  const standardError = Math.sqrt(seX2 + seY2);
  if (
    standardError === 0 ||
    standardError < 10 * Number.EPSILON * Math.max(Math.abs(meanX), Math.abs(meanY))
  ) {
    return undefinedTest('data are essentially constant: both groups have zero variance');
  }
  // df = (sx² + sy²)² / (sx⁴/(nX − 1) + sy⁴/(nY − 1)), written with the shares of the total squared
  // standard error so that nothing under- or overflows for tiny or huge variances.
  const shareX = seX2 / (seX2 + seY2);
  const shareY = seY2 / (seX2 + seY2);
  const df = 1 / (shareX ** 2 / (x.length - 1) + shareY ** 2 / (y.length - 1));
  const t = estimate / standardError;
  const pValue = 2 * tCdf(-Math.abs(t), df);
  if (!Number.isFinite(t) || !Number.isFinite(pValue)) {
    return undefinedTest('the statistic overflows floating point: rescale the data');
  }
  const half = tQuantile(1 - (1 - level) / 2, df) * standardError;
  return {
    ...base,
    standardError,
    df,
    t,
    pValue,
    lower: estimate - half,
    upper: estimate + half,
    reason: null,
  };
}
