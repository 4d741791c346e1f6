import { validationError, type FieldIssue } from '../errors.js';
import type { Protocol } from '../protocol/schema.js';
import type { ArmCaps } from './caps.js';
import type { MinimizationSpec, SubjectLevels } from './minimization-spec.js';
import type { PermutedBlocksSpec } from './permuted-blocks.js';

/** The stratum of a subject when the protocol does not stratify. */
export const SINGLE_STRATUM = 'ALL';

/**
 * A subject's level of every stratification factor: from the screening answer named by the factor's
 * `fromField`, or else from `given` (levels entered at randomization). Throws naming each missing or
 * unknown level.
 */
export function subjectLevels(
  protocol: Protocol,
  answers: Readonly<Record<string, unknown>>,
  given: Readonly<Record<string, string>> = {},
): SubjectLevels {
  const issues: FieldIssue[] = [];
  const levels: Record<string, string> = {};
  for (const code of Object.keys(given)) {
    const f = protocol.stratification.factors.find((x) => x.code === code);
    if (!f)
      issues.push({ path: `levels.${code}`, message: 'is not a stratification factor of this protocol' });
    else if (f.fromField !== undefined)
      issues.push({
        path: `levels.${code}`,
        message: `comes from the screening answer ${f.fromField}, not from here`,
      });
  }
  for (const f of protocol.stratification.factors) {
    const raw = f.fromField !== undefined ? answers[f.fromField] : given[f.code];
    const value = typeof raw === 'string' ? raw : undefined;
    const where = f.fromField !== undefined ? `answers.${f.fromField}` : `levels.${f.code}`;
    if (value === undefined) issues.push({ path: where, message: `the ${f.label} level is required` });
    else if (!f.levels.some((l) => l.code === value))
      issues.push({ path: where, message: `must be one of ${f.levels.map((l) => l.code).join(', ')}` });
    else levels[f.code] = value;
  }
  if (issues.length > 0) throw validationError('The subject’s stratification levels are incomplete', issues);
  return levels;
}

/** The stratum key of permuted-block randomization, e.g. `PRIORRESP=NR` (factors in protocol order). */
export function stratumKeyOf(protocol: Protocol, levels: SubjectLevels): string {
  const factors = protocol.randomization.stratifyBy;
  if (factors.length === 0) return SINGLE_STRATUM;
  return factors.map((f) => `${f}=${levels[f] ?? '?'}`).join('|');
}

export const blocksSpecOf = (protocol: Protocol): PermutedBlocksSpec => ({
  arms: protocol.arms.map((a) => ({ code: a.code, ratio: a.ratio })),
  blockSizes: protocol.randomization.blockSizes ?? [],
});

export function minimizationSpecOf(protocol: Protocol): MinimizationSpec {
  const m = protocol.randomization.minimization;
  if (!m) throw validationError('The protocol does not define minimization');
  return {
    arms: protocol.arms.map((a) => ({ code: a.code, ratio: a.ratio })),
    factors: m.factors.map((code) => {
      const factor = protocol.stratification.factors.find((f) => f.code === code);
      return { name: code, levels: factor?.levels.map((l) => l.code) ?? [], weight: m.weights?.[code] };
    }),
    probability: m.probability,
  };
}

/** Study-wide caps per arm code; arms without a cap are unlimited. */
export const capsOf = (protocol: Protocol): ArmCaps =>
  Object.fromEntries(protocol.arms.filter((a) => a.cap !== undefined).map((a) => [a.code, a.cap ?? 0]));
