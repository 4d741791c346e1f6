import gammaln from '@stdlib/math-base-special-gammaln';
import { assertCount } from './validate.js';

/** A 2×2 table of counts [[a, b], [c, d]]; rows are groups: [[events1, nonEvents1], [events2, nonEvents2]]. */
export type TwoByTwoTable = readonly [readonly [number, number], readonly [number, number]];

/** The alternative hypothesis about the odds ratio (a·d)/(b·c), as in R's fisher.test. */
export type Alternative = 'two-sided' | 'less' | 'greater';

export interface FisherExactResult {
  readonly table: TwoByTwoTable;
  readonly alternative: Alternative;
  readonly pValue: number;
}

/** Tolerance R uses to treat tables as equally probable (fisher.test: relErr = 1 + 1e-7). */
const RELATIVE_ERROR = 1 + 1e-7;

function logChoose(n: number, k: number): number {
  return gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1);
}

/** Fisher's exact test for a 2×2 table, conditional on both margins (hypergeometric; fisher.test in R). */
export function fisherExact(table: TwoByTwoTable, alternative: Alternative = 'two-sided'): FisherExactResult {
  const [[a, b], [c, d]] = table;
  for (const [name, value] of [
    ['a', a],
    ['b', b],
    ['c', c],
    ['d', d],
  ] as const)
    assertCount(`table.${name}`, value);
  // Given the margins, the top-left cell a follows a hypergeometric distribution: draw k = a + b
  // (row 1) from m = a + c (column 1) and n = b + d (column 2).
  const m = a + c;
  const n = b + d;
  const k = a + b;
  const lo = Math.max(0, k - n);
  const hi = Math.min(k, m);
  // Log-space pmf over the support, scaled by its maximum before exponentiating (as R does).
  const logPmf: number[] = [];
  for (let x = lo; x <= hi; x += 1) logPmf.push(logChoose(m, x) + logChoose(n, k - x) - logChoose(m + n, k));
  const top = Math.max(...logPmf);
  const weights = logPmf.map((l) => Math.exp(l - top));
  const total = sum(weights);
  const observed = weights[a - lo] ?? 0;
  let tail: number;
  switch (alternative) {
    case 'less':
      tail = sum(weights.slice(0, a - lo + 1));
      break;
    case 'greater':
      tail = sum(weights.slice(a - lo));
      break;
    case 'two-sided':
      tail = sum(weights.filter((w) => w <= observed * RELATIVE_ERROR));
      break;
  }
  return { table, alternative, pValue: Math.min(1, tail / total) };
}

/** Sum smallest first, so that tiny tail probabilities are not lost against the large ones. */
function sum(values: readonly number[]): number {
  return [...values].sort((p, q) => p - q).reduce((acc, v) => acc + v, 0);
}
