// Input checks shared by the statistics functions. They throw RangeError: a bad input here is a
// programming error in the caller (the analysis engine validates user data before it gets here).

/** Throws unless `level` is a confidence level strictly between 0 and 1. */
export function assertLevel(level: number): void {
  if (!(level > 0 && level < 1)) throw new RangeError(`confidence level must be in (0, 1), got ${level}`);
}

/** Throws unless `value` is a non-negative integer (a count). */
export function assertCount(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  }
}

/** Throws unless every value is a finite number (no NaN, no ±Infinity). */
export function assertFinite(name: string, values: readonly number[]): void {
  for (const v of values) {
    if (!Number.isFinite(v)) throw new RangeError(`${name} must contain only finite numbers, got ${v}`);
  }
}
