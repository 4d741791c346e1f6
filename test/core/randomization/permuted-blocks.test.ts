import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDomainError, type DomainError } from '../../../src/core/errors.js';
import {
  ratioSum,
  sequenceForStratum,
  validateBlockSizes,
  type ArmSpec,
  type BlockSlot,
} from '../../../src/core/randomization/index.js';
import { armsOf, blockSpecArb, countArms, RATIOS, SEED_A, SEED_B, seedArb } from './helpers.js';

const armsAt = (slots: readonly BlockSlot[]): string[] => slots.map((s) => s.arm);

const thrown = (f: () => unknown): DomainError => {
  try {
    f();
  } catch (e) {
    if (isDomainError(e)) return e;
    throw e;
  }
  throw new Error('expected a DomainError');
};

describe('sequenceForStratum: balance', () => {
  it('is balanced in the ratio at the end of every complete block, and each block is a permutation of the replicated arms', () => {
    fc.assert(
      fc.property(blockSpecArb, seedArb, fc.string({ maxLength: 12 }), (spec, seed, stratum) => {
        const sum = ratioSum(spec.arms);
        const slots = sequenceForStratum(spec, seed, stratum).take(240);
        const counts: Record<string, number> = {};
        const problems: string[] = [];
        let blockStart = 0;
        let blockNumber = 0;
        slots.forEach((slot, i) => {
          if (slot.index !== i || slot.position !== i - blockStart || slot.block !== blockNumber)
            problems.push(`slot ${i} is misnumbered: ${JSON.stringify(slot)}`);
          if (!spec.blockSizes.includes(slot.blockSize))
            problems.push(`slot ${i} has size ${slot.blockSize}`);
          counts[slot.arm] = (counts[slot.arm] ?? 0) + 1;
          if (slot.position === slot.blockSize - 1) {
            for (const arm of spec.arms)
              if ((counts[arm.code] ?? 0) !== ((i + 1) / sum) * arm.ratio)
                problems.push(`after block ${slot.block}: ${JSON.stringify(counts)}`);
            blockStart = i + 1;
            blockNumber += 1;
          }
        });
        expect(problems).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it('keeps each arm of 10,000 slots within the bounds the ratio implies', () => {
    for (const ratios of RATIOS) {
      const arms = armsOf(ratios);
      const sum = ratioSum(arms);
      const spec = { arms, blockSizes: [sum, 2 * sum, 4 * sum] };
      const n = 10_000;
      const slots = sequenceForStratum(spec, SEED_A, `share ${ratios.join(':')}`).take(n);
      const last = slots[n - 1] as BlockSlot;
      const boundary = n - 1 - last.position; // slots in complete blocks
      const inComplete = countArms(armsAt(slots.slice(0, boundary)));
      const inPartial = countArms(armsAt(slots.slice(boundary)));
      for (const arm of arms) {
        // Exactly proportional at the last complete-block boundary…
        expect(inComplete[arm.code] ?? 0).toBe((boundary / sum) * arm.ratio);
        // …and the partial block holds at most the arm's slots of one block, at least what the others leave.
        const partial = n - boundary;
        const armSlots = (last.blockSize / sum) * arm.ratio;
        const got = inPartial[arm.code] ?? 0;
        expect(got).toBeLessThanOrEqual(Math.min(partial, armSlots));
        expect(got).toBeGreaterThanOrEqual(Math.max(0, partial - (last.blockSize - armSlots)));
        const share = ((inComplete[arm.code] ?? 0) + got) / n;
        expect(Math.abs(share - arm.ratio / sum)).toBeLessThanOrEqual(last.blockSize / n);
      }
    }
  });

  it('draws block sizes uniformly from the allowed sizes', () => {
    const spec = { arms: armsOf([1, 2]), blockSizes: [3, 6, 9] };
    const seq = sequenceForStratum(spec, SEED_B, 'sizes');
    const sizes: number[] = [];
    for (let i = 0; i < 18_000;) {
      const slot = seq.slot(i);
      sizes.push(slot.blockSize);
      i += slot.blockSize;
    }
    const counts = countArms(sizes.map(String));
    const chi2 = ['3', '6', '9'].reduce((s, k) => s + ((counts[k] ?? 0) - sizes.length / 3) ** 2, 0);
    // 2 degrees of freedom: P(χ² > 20) ≈ 4.5e-5.
    expect(chi2 / (sizes.length / 3)).toBeLessThan(20);
  });

  it('shuffles each block uniformly over its permutations (Fisher–Yates)', () => {
    const spec = { arms: armsOf([1, 1, 1]), blockSizes: [3] };
    const slots = sequenceForStratum(spec, SEED_A, 'permutations').take(3 * 6_000);
    const perms = countArms(
      Array.from({ length: 6_000 }, (_, b) => armsAt(slots.slice(3 * b, 3 * b + 3)).join('')),
    );
    expect(Object.keys(perms).sort()).toEqual(['ABC', 'ACB', 'BAC', 'BCA', 'CAB', 'CBA']);
    const chi2 = Object.values(perms).reduce((s, c) => s + (c - 1_000) ** 2 / 1_000, 0);
    // 5 degrees of freedom: P(χ² > 30) ≈ 1.5e-5.
    expect(chi2).toBeLessThan(30);
  });
});

describe('sequenceForStratum: reproducibility', () => {
  it('gives the same sequence for the same seed and stratum, however it is read', () => {
    fc.assert(
      fc.property(blockSpecArb, seedArb, fc.string(), fc.nat(150), (spec, seed, stratum, probe) => {
        const a = sequenceForStratum(spec, seed, stratum);
        const b = sequenceForStratum(spec, seed, stratum);
        const probed = b.slot(probe); // random access first, in a different order
        expect(a.take(160)).toEqual(b.take(160));
        expect(probed).toEqual(a.slot(probe));
        expect(a.take(10, probe)).toEqual(a.take(160).slice(probe, probe + 10));
        const iterated: BlockSlot[] = [];
        for (const slot of b) {
          if (iterated.length === 20) break;
          iterated.push(slot);
        }
        expect(iterated).toEqual(a.take(20));
      }),
      { numRuns: 60 },
    );
  });

  it('gives a different sequence for a different seed or stratum', () => {
    fc.assert(
      fc.property(blockSpecArb, seedArb, seedArb, fc.string(), fc.string(), (spec, s1, s2, k1, k2) => {
        fc.pre(s1 !== s2 && k1 !== k2);
        // A block of n slots has at least 3^(n/3) equally likely arrangements here, so two independent
        // sequences agree on their first 60 slots with probability at most 3^-20 ≈ 3e-10.
        const arms = (seed: string, key: string): string[] =>
          armsAt(sequenceForStratum(spec, seed, key).take(60));
        expect(arms(s1, k1)).not.toEqual(arms(s2, k1));
        expect(arms(s1, k1)).not.toEqual(arms(s1, k2));
      }),
      { numRuns: 60 },
    );
  });

  it('does not depend on the order in which the allowed block sizes are listed', () => {
    const arms = armsOf([2, 1, 1]);
    const a = sequenceForStratum({ arms, blockSizes: [4, 8, 12] }, SEED_A, 's');
    const b = sequenceForStratum({ arms, blockSizes: [12, 4, 8] }, SEED_A, 's');
    expect(a.take(100)).toEqual(b.take(100));
  });

  it('is pinned: the stored sequences of running trials must never change', () => {
    const seq = sequenceForStratum({ arms: armsOf([2, 1, 1]), blockSizes: [4, 8] }, SEED_A, 'site-1|male');
    expect(armsAt(seq.take(24)).join('')).toMatchInlineSnapshot(`"ABACCBAAACBACBAAAACBACBA"`);
  });

  it('is not affected by later changes to the spec object it was given', () => {
    const arms: ArmSpec[] = armsOf([1, 1]);
    const blockSizes = [2, 4];
    const seq = sequenceForStratum({ arms, blockSizes }, SEED_A, 'x');
    const before = sequenceForStratum({ arms: armsOf([1, 1]), blockSizes: [2, 4] }, SEED_A, 'x').take(50);
    arms.push({ code: 'Z', ratio: 5 });
    blockSizes.push(7);
    expect(seq.take(50)).toEqual(before);
  });
});

describe('validation', () => {
  it('rejects a block size that is not a positive multiple of the ratio sum, naming the size and the sum', () => {
    const arms = armsOf([1, 2]);
    const e = thrown(() => sequenceForStratum({ arms, blockSizes: [3, 4] }, SEED_A, 's'));
    expect(e.code).toBe('validation');
    expect(e.message).toContain('block size 4 is not a positive multiple of the ratio sum 3');
    expect(e.message).toContain('A:B = 1:2');
    expect(e.details).toEqual({
      issues: [{ path: 'blockSizes[1]', message: expect.stringContaining('block size 4') as unknown }],
    });
  });

  it('rejects every kind of bad size, for every ratio', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...RATIOS),
        fc.oneof(fc.integer({ min: -50, max: 50 }), fc.double({ noNaN: true, min: -50, max: 50 })),
        (ratios, size) => {
          const arms = armsOf(ratios);
          const sum = ratioSum(arms);
          fc.pre(!(Number.isInteger(size) && size > 0 && size % sum === 0));
          expect(() => validateBlockSizes(arms, [sum, size])).toThrow(
            `block size ${size} is not a positive multiple of the ratio sum ${sum}`,
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('rejects an empty or repeated list of sizes and bad arms', () => {
    expect(() => validateBlockSizes(armsOf([1, 1]), [])).toThrow('At least one block size is required');
    expect(() => validateBlockSizes(armsOf([1, 1]), [4, 2, 4])).toThrow('block size 4 is listed twice');
    expect(() => validateBlockSizes([], [2])).toThrow('At least one arm is required');
    expect(() => validateBlockSizes([{ code: 'A', ratio: 0 }], [2])).toThrow(
      'must be a positive integer, got 0',
    );
    expect(() => validateBlockSizes([{ code: 'A', ratio: 1.5 }], [3])).toThrow('positive integer, got 1.5');
    expect(() =>
      validateBlockSizes(
        [
          { code: 'A', ratio: 1 },
          { code: 'A', ratio: 1 },
        ],
        [2],
      ),
    ).toThrow('duplicate arm code A');
  });

  it('rejects a bad slot index', () => {
    const seq = sequenceForStratum({ arms: armsOf([1, 1]), blockSizes: [2] }, SEED_A, 's');
    for (const bad of [-1, 1.5, Number.NaN]) expect(() => seq.slot(bad)).toThrow(RangeError);
  });
});
