import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allocateWithCaps,
  sequenceForStratum,
  verifyPermutedBlocks,
  type ArmCaps,
  type ArmCounts,
  type PermutedBlocksSpec,
  type RecordedBlockAllocation,
  type StratumSequence,
} from '../../../src/core/randomization/index.js';
import { armsOf, blockSpecArb, SEED_A, seedArb } from './helpers.js';

const capsArb = (spec: PermutedBlocksSpec): fc.Arbitrary<ArmCaps> =>
  fc
    .tuple(...spec.arms.map(() => fc.option(fc.integer({ min: 0, max: 25 }), { nil: undefined })))
    .map((caps) =>
      Object.fromEntries(spec.arms.flatMap((a, i) => (caps[i] === undefined ? [] : [[a.code, caps[i]]]))),
    );

/** Runs a whole study: subjects arrive in the given strata, each allocated by `allocateWithCaps`. */
function simulate(spec: PermutedBlocksSpec, seed: string, caps: ArmCaps, strata: readonly string[]) {
  const sequences = new Map<string, StratumSequence>();
  const next = new Map<string, number>();
  let counts: ArmCounts = {};
  const problems: string[] = [];
  const allocations: RecordedBlockAllocation[] = [];
  let fullOutcomes = 0;
  for (const stratumKey of strata) {
    const sequence = sequences.get(stratumKey) ?? sequenceForStratum(spec, seed, stratumKey);
    sequences.set(stratumKey, sequence);
    const nextSlot = next.get(stratumKey) ?? 0;
    const allFull = spec.arms.every((a) => a.code in caps && (counts[a.code] ?? 0) >= (caps[a.code] ?? 0));
    const result = allocateWithCaps({ sequence, nextSlot, counts, caps });
    if (result.kind === 'all_arms_full') {
      fullOutcomes += 1;
      if (!allFull) problems.push(`all_arms_full while an arm had room: ${JSON.stringify(counts)}`);
      if (result.nextSlot !== nextSlot) problems.push('all_arms_full moved the stratum on');
      continue;
    }
    if (allFull) problems.push('allocated although every arm was full');
    const { slot, skipped } = result;
    if (slot.arm !== sequence.slot(slot.index).arm) problems.push('slot does not match the sequence');
    if (result.nextSlot !== slot.index + 1) problems.push('nextSlot is not the slot after the allocated one');
    // The skipped slots are exactly nextSlot … slot.index − 1, and each one's arm was full.
    if (
      skipped.map((s) => s.index).join() !==
      Array.from({ length: slot.index - nextSlot }, (_, i) => nextSlot + i).join()
    )
      problems.push('skipped slots are not the ones before the allocated slot');
    for (const s of skipped)
      if ((counts[s.arm] ?? 0) < (caps[s.arm] ?? Infinity))
        problems.push(`skipped slot ${s.index} of open arm ${s.arm}`);
    counts = { ...counts, [slot.arm]: (counts[slot.arm] ?? 0) + 1 };
    if ((counts[slot.arm] ?? 0) > (caps[slot.arm] ?? Infinity)) problems.push(`cap of ${slot.arm} exceeded`);
    next.set(stratumKey, result.nextSlot);
    allocations.push({ stratumKey, slotIndex: slot.index, arm: slot.arm });
  }
  return { counts, problems, allocations, fullOutcomes };
}

describe('allocateWithCaps', () => {
  it('never exceeds a cap, skips only full arms, and says "all arms full" exactly when every arm is full', () => {
    fc.assert(
      fc.property(
        blockSpecArb.chain((spec) =>
          fc.tuple(
            fc.constant(spec),
            capsArb(spec),
            fc.array(fc.constantFrom('s1', 's2', 's3'), { minLength: 1, maxLength: 120 }),
          ),
        ),
        seedArb,
        ([spec, caps, strata], seed) => {
          const { counts, problems, allocations, fullOutcomes } = simulate(spec, seed, caps, strata);
          expect(problems).toEqual([]);
          const allCapped = spec.arms.every((a) => a.code in caps);
          const capTotal = spec.arms.reduce((s, a) => s + (caps[a.code] ?? 0), 0);
          // When every arm is capped, subjects are turned away exactly once the caps are all filled.
          if (allCapped) expect(allocations.length).toBe(Math.min(strata.length, capTotal));
          else expect(fullOutcomes).toBe(0);
          expect(Object.values(counts).reduce((s, n) => s + n, 0)).toBe(allocations.length);
          // The recorded allocations verify, skips included.
          expect(verifyPermutedBlocks(spec, seed, allocations, caps)).toEqual([]);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('follows the sequence exactly when there are no caps', () => {
    const spec = { arms: armsOf([2, 1, 1]), blockSizes: [4, 8] };
    const strata = Array.from({ length: 60 }, (_, i) => `s${i % 3}`);
    const { allocations } = simulate(spec, SEED_A, {}, strata);
    for (const a of allocations)
      expect(a.arm).toBe(sequenceForStratum(spec, SEED_A, a.stratumKey).slot(a.slotIndex).arm);
    expect(allocations.map((a) => a.slotIndex)).toEqual(strata.map((_, i) => Math.floor(i / 3)));
  });

  it('keeps the open arms balanced at block ends when an arm is full', () => {
    const spec = { arms: armsOf([1, 1, 1]), blockSizes: [3, 6] };
    const seq = sequenceForStratum(spec, SEED_A, 'x');
    let nextSlot = 0;
    let counts: ArmCounts = {};
    for (let i = 0; i < 200; i += 1) {
      const r = allocateWithCaps({ sequence: seq, nextSlot, counts, caps: { A: 0 } });
      if (r.kind !== 'allocated') throw new Error('B and C are open');
      expect(r.slot.arm).not.toBe('A');
      expect(r.skipped.every((s) => s.arm === 'A')).toBe(true);
      nextSlot = r.nextSlot;
      counts = { ...counts, [r.slot.arm]: (counts[r.slot.arm] ?? 0) + 1 };
      const blockEnd = seq.slot(nextSlot).position === 0;
      if (blockEnd) expect(counts.B).toBe(counts.C);
    }
  });

  it('returns all_arms_full without consuming slots, and reports the full arms', () => {
    const seq = sequenceForStratum({ arms: armsOf([1, 2]), blockSizes: [3] }, SEED_A, 'x');
    expect(
      allocateWithCaps({ sequence: seq, nextSlot: 7, counts: { A: 2, B: 5 }, caps: { A: 2, B: 4 } }),
    ).toEqual({
      kind: 'all_arms_full',
      fullArms: ['A', 'B'],
      nextSlot: 7,
    });
    expect(allocateWithCaps({ sequence: seq, nextSlot: 0, counts: {}, caps: { A: 0, B: 0 } }).kind).toBe(
      'all_arms_full',
    );
  });

  it('rejects counts or caps that name unknown arms or hold bad numbers, and a bad nextSlot', () => {
    const sequence = sequenceForStratum({ arms: armsOf([1, 1]), blockSizes: [2] }, SEED_A, 'x');
    expect(() => allocateWithCaps({ sequence, nextSlot: 0, counts: { Z: 1 } })).toThrow('unknown arm Z');
    expect(() => allocateWithCaps({ sequence, nextSlot: 0, counts: {}, caps: { A: -1 } })).toThrow(
      'must be a non-negative integer, got -1',
    );
    expect(() => allocateWithCaps({ sequence, nextSlot: -1, counts: {} })).toThrow('nextSlot');
  });
});
