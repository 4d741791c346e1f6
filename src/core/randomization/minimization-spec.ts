import { validationError, type FieldIssue } from '../errors.js';
import { validateArms, type ArmSpec } from './arms.js';

/** A prognostic factor to balance on, with its levels and its weight in the total imbalance (default 1). */
export interface MinimizationFactor {
  readonly name: string;
  readonly levels: readonly string[];
  readonly weight?: number | undefined;
}

/** How the imbalance among arms within one factor level is measured. */
export type ImbalanceMeasure = 'range' | 'variance';

/** Pocock–Simon minimization settings. */
export interface MinimizationSpec {
  readonly arms: readonly ArmSpec[];
  readonly factors: readonly MinimizationFactor[];
  /** Default `range`. */
  readonly measure?: ImbalanceMeasure | undefined;
  /** Biased-coin probability of taking an arm that minimizes the imbalance, in (0, 1]; e.g. 0.8. */
  readonly probability: number;
}

/** A subject's level of each factor, by factor name. */
export type SubjectLevels = Readonly<Record<string, string>>;

/** Throws a validation error unless the arms, factors, weights, measure and probability are usable. */
export function validateMinimizationSpec(spec: MinimizationSpec): void {
  validateArms(spec.arms);
  const issues: FieldIssue[] = [];
  if (spec.factors.length === 0) issues.push({ path: 'factors', message: 'at least one factor is required' });
  const names = new Set<string>();
  spec.factors.forEach((f, i) => {
    if (typeof f.name !== 'string' || f.name.length === 0)
      issues.push({ path: `factors[${i}].name`, message: 'must be a non-empty string' });
    else if (names.has(f.name))
      issues.push({ path: `factors[${i}].name`, message: `duplicate factor ${f.name}` });
    names.add(f.name);
    if (f.levels.length === 0)
      issues.push({ path: `factors[${i}].levels`, message: `factor ${f.name} needs at least one level` });
    else if (new Set(f.levels).size !== f.levels.length)
      issues.push({ path: `factors[${i}].levels`, message: `factor ${f.name} lists a level twice` });
    if (f.weight !== undefined && !(Number.isFinite(f.weight) && f.weight > 0))
      issues.push({
        path: `factors[${i}].weight`,
        message: `weight of ${f.name} must be a positive number, got ${String(f.weight)}`,
      });
  });
  if (spec.measure !== undefined && spec.measure !== 'range' && spec.measure !== 'variance')
    issues.push({ path: 'measure', message: `must be range or variance, got ${String(spec.measure)}` });
  if (!(typeof spec.probability === 'number' && spec.probability > 0 && spec.probability <= 1))
    issues.push({ path: 'probability', message: `must be in (0, 1], got ${String(spec.probability)}` });
  if (issues.length > 0)
    throw validationError(`Invalid minimization spec: ${issues.map((x) => x.message).join('; ')}`, issues);
}

/** The index of the subject's level of each factor, in factor order; throws a validation error for a missing or unknown level. */
export function levelIndexes(spec: MinimizationSpec, subject: SubjectLevels, path = 'subject'): number[] {
  return spec.factors.map((f) => {
    const level = Object.hasOwn(subject, f.name) ? subject[f.name] : undefined;
    const index = level === undefined ? -1 : f.levels.indexOf(level);
    if (index < 0) {
      const message =
        level === undefined
          ? `Subject has no level of factor ${f.name}`
          : `Subject's level ${level} of factor ${f.name} is not one of ${f.levels.join(', ')}`;
      throw validationError(message, [{ path: `${path}.${f.name}`, message }]);
    }
    return index;
  });
}
