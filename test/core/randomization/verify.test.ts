import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addToTally,
  emptyTally,
  minimize,
  sequenceForStratum,
  verifyAllocations,
  verifyMinimization,
  verifyPermutedBlocks,
  type MinimizationSpec,
  type RecordedBlockAllocation,
  type RecordedMinimizationAllocation,
} from '../../../src/core/randomization/index.js';
import { armsOf, blockSpecArb, SEED_A, SEED_B, seedArb } from './helpers.js';

const blockSpec = { arms: armsOf([2, 1, 1]), blockSizes: [4, 8] };

/** Uncapped block allocations: subject i of stratum k takes slot i of k's sequence. */
function blockAllocations(seed: string, strata: readonly string[]): RecordedBlockAllocation[] {
  const used = new Map<string, number>();
  return strata.map((stratumKey) => {
    const slotIndex = used.get(stratumKey) ?? 0;
    used.set(stratumKey, slotIndex + 1);
    return {
      stratumKey,
      slotIndex,
      arm: sequenceForStratum(blockSpec, seed, stratumKey).slot(slotIndex).arm,
    };
  });
}

const minSpec: MinimizationSpec = {
  arms: armsOf([1, 2]),
  factors: [
    { name: 'sex', levels: ['f', 'm'] },
    { name: 'age', levels: ['young', 'old'], weight: 2 },
  ],
  probability: 0.8,
};

function minimizationAllocations(seed: string, subjects: readonly [number, number][]) {
  let tally = emptyTally(minSpec);
  return subjects.map(([sex, age]): RecordedMinimizationAllocation => {
    const levels = { sex: sex ? 'm' : 'f', age: age ? 'old' : 'young' };
    const outcome = minimize({ spec: minSpec, seed, tally, subject: levels });
    if (outcome.kind !== 'allocated') throw new Error('no caps');
    tally = addToTally(minSpec, tally, levels, outcome.arm);
    return { levels, arm: outcome.arm };
  });
}

const other = (arm: string): string => (arm === 'A' ? 'B' : 'A');

describe('verifyPermutedBlocks', () => {
  it('finds nothing wrong with allocations made from the sequence', () => {
    fc.assert(
      fc.property(
        blockSpecArb,
        seedArb,
        fc.array(fc.constantFrom('a', 'b', 'c'), { maxLength: 60 }),
        (spec, seed, strata) => {
          const used = new Map<string, number>();
          const allocations = strata.map((stratumKey) => {
            const slotIndex = used.get(stratumKey) ?? 0;
            used.set(stratumKey, slotIndex + 1);
            const arm = sequenceForStratum(spec, seed, stratumKey).slot(slotIndex).arm;
            return { stratumKey, slotIndex, arm };
          });
          expect(verifyAllocations({ method: 'permuted_blocks', spec, seed, allocations })).toEqual([]);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('reports a changed arm, with the expected and the recorded arm', () => {
    const allocations = blockAllocations(SEED_A, ['x', 'y', 'x', 'x', 'y']);
    const tampered = allocations.map((a, i) => (i === 3 ? { ...a, arm: other(a.arm) } : a));
    expect(verifyPermutedBlocks(blockSpec, SEED_A, tampered)).toEqual([
      {
        kind: 'arm_mismatch',
        index: 3,
        expected: allocations[3]?.arm,
        recorded: tampered[3]?.arm,
        stratumKey: 'x',
        slotIndex: 2,
      },
    ]);
  });

  it('reports everything as suspect under the wrong seed', () => {
    const allocations = blockAllocations(
      SEED_A,
      Array.from({ length: 40 }, (_, i) => `s${i % 2}`),
    );
    expect(verifyPermutedBlocks(blockSpec, SEED_B, allocations).length).toBeGreaterThan(5);
  });

  it('reports reused, out-of-order and invalid slots', () => {
    const [a0, a1, a2] = blockAllocations(SEED_A, ['x', 'x', 'x']) as [
      RecordedBlockAllocation,
      RecordedBlockAllocation,
      RecordedBlockAllocation,
    ];
    expect(verifyPermutedBlocks(blockSpec, SEED_A, [a0, a1, a0])).toEqual([
      { kind: 'slot_reused', index: 2, stratumKey: 'x', slotIndex: 0, firstIndex: 0 },
    ]);
    expect(verifyPermutedBlocks(blockSpec, SEED_A, [a0, a2, a1])).toEqual([
      { kind: 'unjustified_skip', index: 1, stratumKey: 'x', slotIndex: 1, arm: a1.arm },
      { kind: 'slot_out_of_order', index: 2, stratumKey: 'x', slotIndex: 1, previousSlotIndex: 2 },
    ]);
    expect(verifyPermutedBlocks(blockSpec, SEED_A, [{ ...a0, slotIndex: -1 }])).toEqual([
      { kind: 'invalid_slot', index: 0, stratumKey: 'x', slotIndex: -1 },
    ]);
  });

  it('accepts a skip only when the skipped arm was at its cap, and reports exceeded caps', () => {
    const seq = sequenceForStratum(blockSpec, SEED_A, 'x');
    const slots = seq.take(8);
    const first = slots[0];
    if (first === undefined) throw new Error('slots');
    // Cap the first slot's arm at 0: the first allocation must skip every slot of that arm.
    const caps = { [first.arm]: 0 };
    const firstOpen = slots.find((s) => s.arm !== first.arm);
    if (firstOpen === undefined) throw new Error('every block holds every arm');
    const allocation = { stratumKey: 'x', slotIndex: firstOpen.index, arm: firstOpen.arm };
    expect(verifyPermutedBlocks(blockSpec, SEED_A, [allocation], caps)).toEqual([]);
    expect(verifyPermutedBlocks(blockSpec, SEED_A, [allocation])).toEqual(
      slots.slice(0, firstOpen.index).map((s) => ({
        kind: 'unjustified_skip',
        index: 0,
        stratumKey: 'x',
        slotIndex: s.index,
        arm: s.arm,
      })),
    );
    expect(
      verifyPermutedBlocks(blockSpec, SEED_A, [{ stratumKey: 'x', slotIndex: 0, arm: first.arm }], caps),
    ).toEqual([{ kind: 'cap_exceeded', index: 0, arm: first.arm, count: 1 }]);
  });
});

describe('verifyMinimization', () => {
  const subjectsArb = fc.array(fc.tuple(fc.nat(1), fc.nat(1)), { minLength: 1, maxLength: 60 });

  it('finds nothing wrong when replaying the allocations in order', () => {
    fc.assert(
      fc.property(seedArb, subjectsArb, (seed, subjects) => {
        const allocations = minimizationAllocations(seed, subjects);
        expect(verifyAllocations({ method: 'minimization', spec: minSpec, seed, allocations })).toEqual([]);
      }),
      { numRuns: 40 },
    );
  });

  it('reports a changed arm at the allocation where it was changed', () => {
    fc.assert(
      fc.property(seedArb, subjectsArb, fc.nat(), (seed, subjects, at) => {
        const allocations = minimizationAllocations(seed, subjects);
        const index = at % allocations.length;
        const tampered = allocations.map((a, i) => (i === index ? { ...a, arm: other(a.arm) } : a));
        const mismatches = verifyMinimization(minSpec, seed, tampered);
        expect(mismatches[0]).toEqual({
          kind: 'arm_mismatch',
          index,
          expected: allocations[index]?.arm,
          recorded: tampered[index]?.arm,
        });
      }),
      { numRuns: 40 },
    );
  });

  it('reports an allocation made when every arm was full', () => {
    // With A capped at 0, B is the only candidate until it reaches its cap of 2.
    const levels = { sex: 'f', age: 'old' };
    const allocations = [1, 2, 3].map(() => ({ levels, arm: 'B' }));
    expect(verifyMinimization(minSpec, SEED_A, allocations, { A: 0, B: 2 })).toEqual([
      { kind: 'allocated_when_full', index: 2, recorded: 'B' },
    ]);
  });

  it('stops at an allocation it cannot replay', () => {
    const allocations = minimizationAllocations(SEED_A, [
      [0, 0],
      [1, 1],
      [0, 1],
    ]);
    const broken = [allocations[0], { levels: { sex: 'f' }, arm: 'A' }, allocations[2]].filter(
      (a) => a !== undefined,
    );
    expect(verifyMinimization(minSpec, SEED_A, broken)).toEqual([
      { kind: 'unreplayable', index: 1, message: 'Subject has no level of factor age' },
    ]);
  });
});
