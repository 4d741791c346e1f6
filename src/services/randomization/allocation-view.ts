import type { Protocol } from '../../core/protocol/schema.js';
import type { AllocationRecord } from '../../store/repositories/randomization.repository.js';
import type { KitRecord } from '../../store/repositories/supply.repository.js';

/** A dispensed kit as anyone at a site may see it: its number, never its content. */
export interface KitView {
  readonly kitNumber: string;
  readonly drug: string;
  readonly visit: string | null;
  readonly dispensedAt: Date | null;
}

/** An allocation as a blinded person sees it. */
export interface BlindedAllocation {
  readonly subjectId: string;
  readonly siteId: string;
  readonly randomizationNumber: number;
  readonly allocatedAt: Date;
  readonly kits: readonly KitView[];
  /** True when the same request had already been answered: nothing new was allocated. */
  readonly replayed?: boolean;
}

/** The same, with the arm: for the unblinded statistician only. */
export interface UnblindedAllocation extends BlindedAllocation {
  readonly arm: string;
  readonly armName: string;
  readonly stratum: string;
  readonly slot: number | null;
  readonly currentArm: string;
}

export const kitView = (k: KitRecord): KitView => ({
  kitNumber: k.kitNumber,
  drug: k.drug,
  visit: k.visitCode,
  dispensedAt: k.dispensedAt,
});

/**
 * Builds what a caller may see of an allocation. The blinded view is built field by field (never by
 * removing fields from the full record), so a new field cannot leak by default.
 */
export function allocationView(
  a: AllocationRecord,
  kits: readonly KitRecord[],
  unblinded: { protocol: Protocol; currentArm: string } | null,
): BlindedAllocation | UnblindedAllocation {
  const blinded: BlindedAllocation = {
    subjectId: a.subjectId,
    siteId: a.siteId,
    randomizationNumber: a.randomizationNumber,
    allocatedAt: a.allocatedAt,
    // By number, never in the arm's treatment order, which could hint at the arm.
    kits: [...kits].sort((x, y) => (x.kitNumber < y.kitNumber ? -1 : 1)).map(kitView),
  };
  if (!unblinded) return blinded;
  return {
    ...blinded,
    arm: a.armCode,
    armName: unblinded.protocol.arms.find((x) => x.code === a.armCode)?.name ?? a.armCode,
    stratum: a.stratumKey,
    slot: a.slotIndex,
    currentArm: unblinded.currentArm,
  };
}
