import { validationError } from '../errors.js';
import { fullArms, hasRoom, validateCountsAndCaps, type ArmCaps, type ArmCounts } from './caps.js';
import type { BlockSlot, StratumSequence } from './permuted-blocks.js';

/** What `allocateWithCaps` needs: the stratum's sequence, where it stands, and the study-wide counts. */
export interface CappedAllocationRequest {
  readonly sequence: StratumSequence;
  /** The first slot of the stratum not yet used or skipped (0 for a new stratum). */
  readonly nextSlot: number;
  /** Subjects per arm over the whole study (all strata), before this subject. */
  readonly counts: ArmCounts;
  /** Hard caps per arm over the whole study; arms without a cap are unlimited. */
  readonly caps?: ArmCaps | undefined;
}

/** The next assignable slot, with the slots skipped to reach it, or a typed "all arms full". */
export type CappedAllocation =
  | {
      readonly kind: 'allocated';
      readonly slot: BlockSlot;
      /** Slots passed over because their arm was full; store them for the audit trail. */
      readonly skipped: readonly BlockSlot[];
      /** The stratum's next slot after this allocation: `slot.index + 1`. */
      readonly nextSlot: number;
    }
  | {
      readonly kind: 'all_arms_full';
      readonly fullArms: readonly string[];
      /** Unchanged: nothing was used or skipped. */
      readonly nextSlot: number;
    };

/**
 * The next slot of the stratum whose arm is below its cap (permuted blocks with a hard cap per arm).
 * Slots whose arm is full are skipped and reported, never reused; if every arm is full the result is
 * `all_arms_full` and nothing is consumed. Since every block contains every arm, at most one block's
 * worth of slots is skipped.
 *
 * Effect on balance: skipping removes a full arm's slots from the stratum's blocks, so each block
 * still ends with the open arms in their mutual ratio (balance among the arms still recruiting is
 * kept at every block end), but blocks become shorter in subjects, the block's remaining positions
 * become more predictable, and the stratum's counts for the full arm stop growing. Within-stratum
 * balance involving the full arm is lost by design, since the cap is study-wide.
 */
export function allocateWithCaps(request: CappedAllocationRequest): CappedAllocation {
  const { sequence, nextSlot, counts, caps } = request;
  const arms = sequence.spec.arms;
  if (!Number.isSafeInteger(nextSlot) || nextSlot < 0)
    throw validationError(`nextSlot must be a non-negative integer, got ${String(nextSlot)}`, [
      { path: 'nextSlot', message: 'must be a non-negative integer' },
    ]);
  validateCountsAndCaps(arms, counts, caps);
  const full = fullArms(arms, counts, caps);
  if (full.length === arms.length) return Object.freeze({ kind: 'all_arms_full', fullArms: full, nextSlot });
  const skipped: BlockSlot[] = [];
  for (let index = nextSlot; ; index += 1) {
    const slot = sequence.slot(index);
    if (hasRoom(slot.arm, counts, caps))
      return Object.freeze({ kind: 'allocated', slot, skipped: Object.freeze(skipped), nextSlot: index + 1 });
    skipped.push(slot);
  }
}
