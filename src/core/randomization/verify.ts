import { countOf, hasRoom, incremented, type ArmCaps, type ArmCounts } from './caps.js';
import { isDomainError } from '../errors.js';
import { minimize } from './minimization.js';
import type { MinimizationSpec, SubjectLevels } from './minimization-spec.js';
import { addToTally, emptyTally } from './minimization-tally.js';
import { sequenceForStratum, type PermutedBlocksSpec, type StratumSequence } from './permuted-blocks.js';

/** An allocation made by permuted blocks, as stored. */
export interface RecordedBlockAllocation {
  readonly stratumKey: string;
  readonly slotIndex: number;
  readonly arm: string;
}

/** An allocation made by minimization, as stored. */
export interface RecordedMinimizationAllocation {
  readonly levels: SubjectLevels;
  readonly arm: string;
}

/** What to verify: the method, its settings, the seed, and every allocation of the study in the order made. */
export type VerificationInput =
  | {
      readonly method: 'permuted_blocks';
      readonly spec: PermutedBlocksSpec;
      readonly seed: string;
      readonly allocations: readonly RecordedBlockAllocation[];
      readonly caps?: ArmCaps | undefined;
    }
  | {
      readonly method: 'minimization';
      readonly spec: MinimizationSpec;
      readonly seed: string;
      readonly allocations: readonly RecordedMinimizationAllocation[];
      readonly caps?: ArmCaps | undefined;
    };

/** One disagreement between the stored allocations and their recomputation; `index` is the allocation's position in the list. */
export type Mismatch =
  | {
      readonly kind: 'arm_mismatch';
      readonly index: number;
      readonly expected: string;
      readonly recorded: string;
      readonly stratumKey?: string;
      readonly slotIndex?: number;
    }
  | {
      readonly kind: 'invalid_slot';
      readonly index: number;
      readonly stratumKey: string;
      readonly slotIndex: number;
    }
  | {
      readonly kind: 'slot_reused';
      readonly index: number;
      readonly stratumKey: string;
      readonly slotIndex: number;
      readonly firstIndex: number;
    }
  | {
      readonly kind: 'slot_out_of_order';
      readonly index: number;
      readonly stratumKey: string;
      readonly slotIndex: number;
      readonly previousSlotIndex: number;
    }
  | {
      /** A slot before this allocation's slot was passed over though its arm was below its cap. */
      readonly kind: 'unjustified_skip';
      readonly index: number;
      readonly stratumKey: string;
      readonly slotIndex: number;
      readonly arm: string;
    }
  | { readonly kind: 'cap_exceeded'; readonly index: number; readonly arm: string; readonly count: number }
  | { readonly kind: 'allocated_when_full'; readonly index: number; readonly recorded: string }
  | {
      /** The allocation cannot be replayed (unknown arm, missing level, ...); replay stops here. */
      readonly kind: 'unreplayable';
      readonly index: number;
      readonly message: string;
    };

/** Recomputes every allocation and returns the disagreements (empty when all agree). */
export function verifyAllocations(input: VerificationInput): readonly Mismatch[] {
  switch (input.method) {
    case 'permuted_blocks':
      return verifyPermutedBlocks(input.spec, input.seed, input.allocations, input.caps);
    case 'minimization':
      return verifyMinimization(input.spec, input.seed, input.allocations, input.caps);
  }
}

/**
 * Checks each block allocation against its stratum's recomputed sequence: the arm of the slot, that
 * slots are used once and in increasing order within a stratum, and — replaying study-wide counts in
 * list order — that no arm exceeded its cap and every slot skipped before a used one had a full arm.
 */
export function verifyPermutedBlocks(
  spec: PermutedBlocksSpec,
  seed: string,
  allocations: readonly RecordedBlockAllocation[],
  caps?: ArmCaps,
): readonly Mismatch[] {
  const mismatches: Mismatch[] = [];
  const sequences = new Map<string, StratumSequence>();
  const used = new Map<string, Map<number, number>>(); // stratum → slot → allocation index
  const nextSlot = new Map<string, number>(); // stratum → first slot not yet used or skipped
  let counts: ArmCounts = {};
  allocations.forEach(({ stratumKey, slotIndex, arm }, index) => {
    if (!Number.isSafeInteger(slotIndex) || slotIndex < 0) {
      mismatches.push({ kind: 'invalid_slot', index, stratumKey, slotIndex });
      return;
    }
    let sequence = sequences.get(stratumKey);
    if (sequence === undefined) {
      sequence = sequenceForStratum(spec, seed, stratumKey);
      sequences.set(stratumKey, sequence);
    }
    const expected = sequence.slot(slotIndex).arm;
    if (expected !== arm)
      mismatches.push({ kind: 'arm_mismatch', index, expected, recorded: arm, stratumKey, slotIndex });

    const usedHere = used.get(stratumKey) ?? new Map<number, number>();
    used.set(stratumKey, usedHere);
    const firstIndex = usedHere.get(slotIndex);
    const next = nextSlot.get(stratumKey) ?? 0;
    if (firstIndex !== undefined)
      mismatches.push({ kind: 'slot_reused', index, stratumKey, slotIndex, firstIndex });
    else if (slotIndex < next)
      mismatches.push({
        kind: 'slot_out_of_order',
        index,
        stratumKey,
        slotIndex,
        previousSlotIndex: next - 1,
      });
    else
      for (let skipped = next; skipped < slotIndex; skipped += 1) {
        const skippedArm = sequence.slot(skipped).arm;
        if (hasRoom(skippedArm, counts, caps))
          mismatches.push({
            kind: 'unjustified_skip',
            index,
            stratumKey,
            slotIndex: skipped,
            arm: skippedArm,
          });
      }
    if (firstIndex === undefined) usedHere.set(slotIndex, index);
    nextSlot.set(stratumKey, Math.max(next, slotIndex + 1));

    if (!hasRoom(arm, counts, caps))
      mismatches.push({ kind: 'cap_exceeded', index, arm, count: countOf(counts, arm) + 1 });
    counts = incremented(counts, arm);
  });
  return Object.freeze(mismatches);
}

/**
 * Replays minimization in list order: each subject is re-minimized against the allocations recorded
 * before it (with the same seed and sequence number) and the recomputed arm compared with the stored one.
 */
export function verifyMinimization(
  spec: MinimizationSpec,
  seed: string,
  allocations: readonly RecordedMinimizationAllocation[],
  caps?: ArmCaps,
): readonly Mismatch[] {
  const mismatches: Mismatch[] = [];
  let tally = emptyTally(spec);
  for (const [index, { levels, arm }] of allocations.entries()) {
    try {
      const outcome = minimize({ spec, seed, tally, subject: levels, caps });
      if (outcome.kind === 'all_arms_full')
        mismatches.push({ kind: 'allocated_when_full', index, recorded: arm });
      else if (outcome.arm !== arm)
        mismatches.push({ kind: 'arm_mismatch', index, expected: outcome.arm, recorded: arm });
      tally = addToTally(spec, tally, levels, arm);
    } catch (e) {
      if (!isDomainError(e)) throw e;
      mismatches.push({ kind: 'unreplayable', index, message: e.message });
      break;
    }
  }
  return Object.freeze(mismatches);
}
