// Numbers as the report prints them. Every formatter takes null (an undefined statistic) and prints a
// dash, so no table cell can ever read NaN, undefined or Infinity.

/** What a statistic that is undefined prints as (the table's notes say why). */
export const DASH = '—';

/** The typographic minus: a hyphen is too easy to miss in print. */
const MINUS = '\u2212';

const withMinus = (text: string): string => (text.startsWith('-') ? `${MINUS}${text.slice(1)}` : text);

/**
 * A number with a fixed count of decimals, or a dash for null or a non-finite value; a value that
 * rounds to zero prints without a sign.
 *
 * @example fixed(-1.234, 2) === '−1.23'; fixed(-0.001, 2) === '0.00'; fixed(null, 2) === '—'
 */
export function fixed(value: number | null, decimals: number): string {
  if (value === null || !Number.isFinite(value)) return DASH;
  const text = value.toFixed(decimals);
  return Number(text) === 0 ? (0).toFixed(decimals) : withMinus(text);
}

/** A proportion as a whole percentage: 0.333 → "33%". */
export function percent(proportion: number | null): string {
  if (proportion === null || !Number.isFinite(proportion)) return DASH;
  return `${fixed(proportion * 100, 0)}%`;
}

/** A difference of proportions in whole percentage points: −0.05 → "−5". */
export const points = (difference: number | null): string =>
  difference === null ? DASH : fixed(difference * 100, 0);

/** A p-value with 3 significant digits, or "< 0.001". */
export function pValue(p: number | null): string {
  if (p === null || !Number.isFinite(p)) return DASH;
  if (p < 0.001) return '< 0.001';
  return p.toPrecision(3);
}

/** A confidence interval "(lower, upper)" with a formatter for each limit; a dash when either is null. */
export function interval(
  lower: number | null,
  upper: number | null,
  format: (value: number | null) => string,
): string {
  if (lower === null || upper === null || !Number.isFinite(lower) || !Number.isFinite(upper)) return DASH;
  return `(${format(lower)}, ${format(upper)})`;
}

/** Decimals of change statistics (log10 changes: 2). */
export const CHANGE_DECIMALS = 2;

/** A change statistic (mean, SD, limit, difference) with the report's decimals. */
export const change = (value: number | null): string => fixed(value, CHANGE_DECIMALS);

/** A subject count with its share of a total: "3 (25%)", or "0" when the total is empty. */
export function countWithPercent(subjects: number, proportion: number | null): string {
  return proportion === null ? String(subjects) : `${subjects} (${percent(proportion)})`;
}

/** A vocabulary code as words: "withdrawal_by_subject" → "Withdrawal by subject". */
export function humanize(code: string): string {
  const words = code.replace(/[_-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
