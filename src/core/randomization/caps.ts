import { validationError, type FieldIssue } from '../errors.js';
import type { ArmSpec } from './arms.js';

/** Subjects allocated so far to each arm over the whole study; a missing arm counts 0. */
export type ArmCounts = Readonly<Record<string, number>>;

/** The most subjects each arm may receive over the whole study; a missing arm has no cap. */
export type ArmCaps = Readonly<Record<string, number>>;

/** The count of `arm` (0 when absent). */
export function countOf(counts: ArmCounts, arm: string): number {
  return Object.hasOwn(counts, arm) ? (counts[arm] ?? 0) : 0;
}

/** Whether `arm` can take one more subject without exceeding its cap. */
export function hasRoom(arm: string, counts: ArmCounts, caps: ArmCaps | undefined): boolean {
  if (caps === undefined || !Object.hasOwn(caps, arm)) return true;
  return countOf(counts, arm) < (caps[arm] ?? Infinity);
}

/** The codes of the arms that have reached their cap, in arm order. */
export function fullArms(arms: readonly ArmSpec[], counts: ArmCounts, caps: ArmCaps | undefined): string[] {
  return arms.filter((a) => !hasRoom(a.code, counts, caps)).map((a) => a.code);
}

/** A new counts record with one more subject on `arm`. */
export function incremented(counts: ArmCounts, arm: string): ArmCounts {
  return Object.freeze({ ...counts, [arm]: countOf(counts, arm) + 1 });
}

/** Throws a validation error unless counts and caps name only known arms and hold non-negative integers. */
export function validateCountsAndCaps(
  arms: readonly ArmSpec[],
  counts: ArmCounts,
  caps: ArmCaps | undefined,
): void {
  const known = new Set(arms.map((a) => a.code));
  const issues: FieldIssue[] = [];
  const check = (record: Readonly<Record<string, number>>, name: string): void => {
    for (const [arm, value] of Object.entries(record)) {
      if (!known.has(arm)) issues.push({ path: `${name}.${arm}`, message: `unknown arm ${arm}` });
      else if (!Number.isSafeInteger(value) || value < 0)
        issues.push({
          path: `${name}.${arm}`,
          message: `must be a non-negative integer, got ${String(value)}`,
        });
    }
  };
  check(counts, 'counts');
  if (caps !== undefined) check(caps, 'caps');
  if (issues.length > 0)
    throw validationError(`Invalid arm counts or caps: ${issues.map((x) => x.message).join('; ')}`, issues);
}
