import { normalSurvival } from './normal.js';
import { assertFinite } from './validate.js';

/** How the p-value was computed: the exact null distribution of W, or the normal approximation. */
export type WilcoxonMethod = 'exact' | 'normal-approximation';

/**
 * Wilcoxon rank-sum (Mann–Whitney) test of x against y, two-sided. W is R's statistic: the rank sum
 * of x minus nX(nX + 1)/2, i.e. the number of pairs with x > y (ties count ½).
 */
export interface WilcoxonRankSumResult {
  readonly nX: number;
  readonly nY: number;
  /** null when a group is empty. */
  readonly w: number | null;
  readonly method: WilcoxonMethod | null;
  /** R's wording of the method, e.g. "Wilcoxon rank sum exact test". */
  readonly description: string | null;
  /** Whether some values are tied (then the exact distribution does not apply). */
  readonly ties: boolean;
  /** Standardized statistic, tie- and continuity-corrected; null for the exact method. */
  readonly z: number | null;
  readonly pValue: number | null;
  /** Why the test could not be computed; null when it was. */
  readonly reason: string | null;
}

export interface WilcoxonOptions {
  /**
   * undefined (default, as R's exact = NULL): exact when there are no ties and both groups have fewer
   * than 50 values. true: exact whenever there are no ties (cost O(nX·nY·min(W, nX·nY − W))).
   * false: normal approximation. With ties the normal approximation is always used.
   */
  readonly exact?: boolean | undefined;
}

const EXACT_DESCRIPTION = 'Wilcoxon rank sum exact test';
const NORMAL_DESCRIPTION = 'Wilcoxon rank sum test with continuity correction';

/** Wilcoxon rank-sum (Mann–Whitney) test, exact without ties else normal approximation (R's wilcox.test). */
export function wilcoxonRankSum(
  x: readonly number[],
  y: readonly number[],
  options: WilcoxonOptions = {},
): WilcoxonRankSumResult {
  assertFinite('x', x);
  assertFinite('y', y);
  const nX = x.length;
  const nY = y.length;
  if (nX === 0 || nY === 0) {
    return {
      nX,
      nY,
      w: null,
      method: null,
      description: null,
      ties: false,
      z: null,
      pValue: null,
      reason: 'each group needs at least 1 observation',
    };
  }
  const { ranks, tieSizes } = midRanks([...x, ...y]);
  let rankSumX = 0;
  for (let i = 0; i < nX; i += 1) rankSumX += ranks[i] ?? 0;
  const w = rankSumX - (nX * (nX + 1)) / 2;
  const ties = tieSizes.length > 0;
  const exact = !ties && (options.exact ?? (nX < 50 && nY < 50));

  if (exact) {
    // Two-sided p as R: min(1, 2·min(P(W <= w), P(W >= w))); by symmetry P(W >= w) = P(W <= nX·nY − w).
    const pValue = Math.min(1, 2 * mannWhitneyLowerTail(Math.min(w, nX * nY - w), nX, nY));
    return {
      nX,
      nY,
      w,
      method: 'exact',
      description: EXACT_DESCRIPTION,
      ties,
      z: null,
      pValue,
      reason: null,
    };
  }

  // Normal approximation, as wilcox.test(exact = FALSE, correct = TRUE): variance with the tie
  // correction, and a continuity correction of ½ towards the mean.
  const n = nX + nY;
  const tieTerm = tieSizes.reduce((acc, t) => acc + (t ** 3 - t), 0) / (n * (n - 1));
  const sigma = Math.sqrt(((nX * nY) / 12) * (n + 1 - tieTerm));
  const centred = w - (nX * nY) / 2;
  const base = { nX, nY, w, method: 'normal-approximation', description: NORMAL_DESCRIPTION, ties } as const;
  if (!(sigma > 0)) {
    return { ...base, z: null, pValue: null, reason: 'all values are equal: the statistic has no variance' };
  }
  const z = (centred - Math.sign(centred) * 0.5) / sigma;
  return { ...base, z, pValue: Math.min(1, 2 * normalSurvival(Math.abs(z))), reason: null };
}

/** Average ranks (1-based) of the values, and the sizes of the groups of tied values (those > 1). */
function midRanks(values: readonly number[]): { ranks: number[]; tieSizes: number[] } {
  const order = values.map((_, i) => i).sort((i, j) => (values[i] ?? 0) - (values[j] ?? 0));
  const ranks = new Array<number>(values.length).fill(0);
  const tieSizes: number[] = [];
  let start = 0;
  while (start < order.length) {
    let end = start + 1;
    while (end < order.length && values[order[end] ?? 0] === values[order[start] ?? 0]) end += 1;
    const rank = (start + 1 + end) / 2; // average of ranks start + 1 … end
    for (let k = start; k < end; k += 1) ranks[order[k] ?? 0] = rank;
    if (end - start > 1) tieSizes.push(end - start);
    start = end;
  }
  return { ranks, tieSizes };
}

/**
 * P(U <= u) for the Mann–Whitney count U with sample sizes m and n and no ties, by dynamic programming
 * over sample sizes with probabilities (not counts, so nothing overflows). With f(k; i, j) the
 * probability that U = k for sizes i and j, the largest of the i + j values is an x with
 * probability i/(i + j), and then beats all j values of y:
 *   f(k; i, j) = i/(i + j)·f(k − j; i − 1, j) + j/(i + j)·f(k; i, j − 1).
 * Only k <= u is needed, so every row is truncated there.
 */
function mannWhitneyLowerTail(u: number, m: number, n: number): number {
  const [small, large] = m <= n ? [m, n] : [n, m]; // U(m, n) and U(n, m) have the same distribution
  const width = u + 1;
  // rows[i][k] = f(k; i, j) for the current j; row 0 is the point mass at 0 for every j.
  const rows: Float64Array[] = [];
  for (let i = 0; i <= small; i += 1) {
    const row = new Float64Array(width);
    row[0] = 1;
    rows.push(row);
  }
  for (let j = 1; j <= large; j += 1) {
    for (let i = 1; i <= small; i += 1) {
      const current = rows[i];
      const previous = rows[i - 1]; // already at column j
      if (current === undefined || previous === undefined) throw new Error('unreachable');
      const fromX = i / (i + j);
      const fromY = j / (i + j);
      for (let k = width - 1; k >= 0; k -= 1) {
        const shifted = k >= j ? (previous[k - j] ?? 0) : 0;
        current[k] = fromX * shifted + fromY * (current[k] ?? 0);
      }
    }
  }
  const last = rows[small] ?? new Float64Array(0);
  let total = 0;
  for (let k = 0; k < width; k += 1) total += last[k] ?? 0;
  return total;
}
