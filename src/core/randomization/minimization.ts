import { fullArms, hasRoom, validateCountsAndCaps, type ArmCaps } from './caps.js';
import { imbalanceOf } from './imbalance.js';
import {
  levelIndexes,
  validateMinimizationSpec,
  type MinimizationSpec,
  type SubjectLevels,
} from './minimization-spec.js';
import type { MinimizationTally } from './minimization-tally.js';
import { createRng, parseSeed } from './rng.js';

/** What `minimize` needs: the settings, the secret seed, the allocations so far and the new subject. */
export interface MinimizationRequest {
  readonly spec: MinimizationSpec;
  readonly seed: string;
  /** The allocations so far, over the whole study, in allocation order (see `tallyAllocations`). */
  readonly tally: MinimizationTally;
  readonly subject: SubjectLevels;
  /** Hard caps per arm over the whole study; a full arm is never chosen. */
  readonly caps?: ArmCaps | undefined;
}

/** The total weighted imbalance there would be if the subject went to `arm`. */
export interface ArmScore {
  readonly arm: string;
  readonly imbalance: number;
}

/** How the arm was picked: among the minimizing arms (probability p), among the others, or among all arms when every candidate scored the same. */
export type MinimizationChoice = 'preferred' | 'other' | 'all_tied';

export type MinimizationOutcome =
  | {
      readonly kind: 'allocated';
      readonly arm: string;
      /** 0-based position of the subject in the study's allocation order; labels the generator. */
      readonly sequenceNumber: number;
      /** One score per arm that had room, in arm order. */
      readonly scores: readonly ArmScore[];
      /** The arms with the lowest score (ties included). */
      readonly preferred: readonly string[];
      readonly choice: MinimizationChoice;
    }
  | {
      readonly kind: 'all_arms_full';
      readonly sequenceNumber: number;
      readonly fullArms: readonly string[];
    };

/** Relative tolerance under which two scores count as tied (they are sums of quotients of small integers). */
const TIE_TOLERANCE = 1e-9;

/** The generator label of the subject with the given sequence number. */
export function minimizationLabel(sequenceNumber: number): string {
  return JSON.stringify(['minimization', sequenceNumber]);
}

/**
 * Pocock–Simon minimization (Pocock & Simon, Biometrics 1975;31:103–115) with a biased coin.
 * For each arm with room, the subject is added hypothetically; in each factor, at the subject's level,
 * every arm's count is divided by its ratio (weighted minimization) and the spread of those values is
 * measured (range or variance, over all arms); the factor-weighted sum is the arm's score. With
 * probability p an arm with the lowest score is chosen, otherwise one of the other arms; ties and the
 * choice within each group are uniform. Randomness comes from the generator labelled by the subject's
 * sequence number (`tally.subjects`), so replaying the same subjects in the same order with the same
 * seed gives the same arms.
 */
export function minimize(request: MinimizationRequest): MinimizationOutcome {
  const { spec, seed, tally, subject, caps } = request;
  validateMinimizationSpec(spec);
  parseSeed(seed);
  validateCountsAndCaps(spec.arms, tally.armCounts, caps);
  const levels = levelIndexes(spec, subject);
  const sequenceNumber = tally.subjects;
  const measure = spec.measure ?? 'range';

  const candidates = spec.arms.flatMap((arm, index) =>
    hasRoom(arm.code, tally.armCounts, caps) ? [{ code: arm.code, index }] : [],
  );
  if (candidates.length === 0)
    return Object.freeze({
      kind: 'all_arms_full',
      sequenceNumber,
      fullArms: Object.freeze(fullArms(spec.arms, tally.armCounts, caps)),
    });

  const rows = spec.factors.map((factor, f) => {
    const level = levels[f] as number;
    const row = tally.cells[f]?.[level];
    if (row === undefined || row.length !== spec.arms.length)
      throw new RangeError('minimize: the tally does not match the spec');
    return { weight: factor.weight ?? 1, row };
  });
  const scores = candidates.map(({ code, index }) => {
    const imbalance = rows.reduce((total, { weight, row }) => {
      const weighted = row.map((n, a) => (n + (a === index ? 1 : 0)) / (spec.arms[a]?.ratio ?? 1));
      return total + weight * imbalanceOf(weighted, measure);
    }, 0);
    return Object.freeze({ arm: code, imbalance });
  });

  const best = Math.min(...scores.map((s) => s.imbalance));
  const tolerance = TIE_TOLERANCE * Math.max(1, Math.abs(best));
  const preferred = scores.filter((s) => s.imbalance <= best + tolerance).map((s) => s.arm);
  const others = scores.filter((s) => s.imbalance > best + tolerance).map((s) => s.arm);

  const rng = createRng(seed, minimizationLabel(sequenceNumber));
  const pick = (arms: readonly string[]): string => arms[rng.nextInt(arms.length)] as string;
  let choice: MinimizationChoice;
  let arm: string;
  if (others.length === 0) {
    choice = 'all_tied';
    arm = pick(preferred);
  } else if (rng.nextFloat() < spec.probability) {
    choice = 'preferred';
    arm = pick(preferred);
  } else {
    choice = 'other';
    arm = pick(others);
  }
  return Object.freeze({
    kind: 'allocated',
    arm,
    sequenceNumber,
    scores: Object.freeze(scores),
    preferred: Object.freeze(preferred),
    choice,
  });
}
