import { validationError, type FieldIssue } from '../errors.js';

/** One arm of the trial and its integer allocation ratio (1:2 means arm B gets twice as many as A). */
export interface ArmSpec {
  readonly code: string;
  readonly ratio: number;
}

/** Throws a validation error unless there is at least one arm, codes are unique and ratios are positive integers. */
export function validateArms(arms: readonly ArmSpec[], path = 'arms'): void {
  const issues: FieldIssue[] = [];
  if (arms.length === 0) {
    throw validationError('At least one arm is required', [{ path, message: 'must not be empty' }]);
  }
  const seen = new Set<string>();
  arms.forEach((arm, i) => {
    if (typeof arm.code !== 'string' || arm.code.length === 0)
      issues.push({ path: `${path}[${i}].code`, message: 'must be a non-empty string' });
    else if (seen.has(arm.code))
      issues.push({ path: `${path}[${i}].code`, message: `duplicate arm code ${arm.code}` });
    else seen.add(arm.code);
    if (!Number.isSafeInteger(arm.ratio) || arm.ratio < 1)
      issues.push({
        path: `${path}[${i}].ratio`,
        message: `must be a positive integer, got ${String(arm.ratio)}`,
      });
  });
  if (issues.length > 0)
    throw validationError(`Invalid arms: ${issues.map((x) => x.message).join('; ')}`, issues);
}

/** The sum of the arms' ratios: the smallest block that holds every arm in its ratio. */
export function ratioSum(arms: readonly ArmSpec[]): number {
  return arms.reduce((sum, arm) => sum + arm.ratio, 0);
}

/** The allocation ratio as a person writes it, e.g. `A:B:C = 2:1:1`. */
export function describeRatio(arms: readonly ArmSpec[]): string {
  return `${arms.map((a) => a.code).join(':')} = ${arms.map((a) => a.ratio).join(':')}`;
}
