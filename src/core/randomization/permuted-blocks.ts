import { validationError, type FieldIssue } from '../errors.js';
import { describeRatio, ratioSum, validateArms, type ArmSpec } from './arms.js';
import { createRng, parseSeed } from './rng.js';
import { shuffled } from './shuffle.js';

/** Stratified permuted blocks: the arms with their ratios and the block sizes to choose among. */
export interface PermutedBlocksSpec {
  readonly arms: readonly ArmSpec[];
  /** Each a positive multiple of the ratio sum; each block's size is drawn uniformly from these. */
  readonly blockSizes: readonly number[];
}

/** One slot of a stratum's allocation sequence. All numbers are 0-based. */
export interface BlockSlot {
  /** Position of the slot in the stratum's sequence. */
  readonly index: number;
  readonly arm: string;
  /** Which block of the stratum the slot belongs to. */
  readonly block: number;
  readonly blockSize: number;
  /** Position of the slot within its block. */
  readonly position: number;
}

/** The (infinite, lazily computed) allocation sequence of one stratum. */
export interface StratumSequence {
  readonly spec: PermutedBlocksSpec;
  readonly stratumKey: string;
  /** The slot at `index` (0-based). */
  slot(index: number): BlockSlot;
  /** `count` consecutive slots starting at `from` (default 0). */
  take(count: number, from?: number): readonly BlockSlot[];
  /** All slots from 0 on; never ends, so stop it yourself. */
  [Symbol.iterator](): Iterator<BlockSlot>;
}

/** Throws a validation error naming each block size that is not a positive multiple of the ratio sum. */
export function validateBlockSizes(arms: readonly ArmSpec[], blockSizes: readonly number[]): void {
  validateArms(arms);
  const sum = ratioSum(arms);
  if (blockSizes.length === 0)
    throw validationError('At least one block size is required', [
      { path: 'blockSizes', message: 'must not be empty' },
    ]);
  const issues: FieldIssue[] = [];
  const seen = new Set<number>();
  blockSizes.forEach((size, i) => {
    if (!Number.isSafeInteger(size) || size <= 0 || size % sum !== 0)
      issues.push({
        path: `blockSizes[${i}]`,
        message: `block size ${String(size)} is not a positive multiple of the ratio sum ${sum} (${describeRatio(arms)})`,
      });
    else if (seen.has(size))
      issues.push({ path: `blockSizes[${i}]`, message: `block size ${size} is listed twice` });
    seen.add(size);
  });
  if (issues.length > 0)
    throw validationError(`Invalid block sizes: ${issues.map((x) => x.message).join('; ')}`, issues);
}

/** The generator label of one block: blocks are independent streams keyed by (stratum, block number). */
export function blockLabel(stratumKey: string, block: number): string {
  return JSON.stringify(['permuted-blocks', stratumKey, block]);
}

interface Block {
  readonly start: number;
  readonly arms: readonly string[];
}

/**
 * A stratum's allocation sequence by permuted blocks of random size (Zelen 1974; Matts & Lachin 1988).
 * Block b uses its own generator labelled (stratumKey, b): it draws the block size uniformly from the
 * allowed sizes (sorted, so their listed order does not matter), then Fisher–Yates shuffles the arms,
 * each repeated size/ratioSum × ratio times. The sequence depends only on (arms, sizes, seed,
 * stratumKey); it is computed lazily and cached, so reading it in any order gives the same slots.
 */
export function sequenceForStratum(
  spec: PermutedBlocksSpec,
  seed: string,
  stratumKey: string,
): StratumSequence {
  validateBlockSizes(spec.arms, spec.blockSizes);
  parseSeed(seed);
  const ownSpec: PermutedBlocksSpec = Object.freeze({
    arms: Object.freeze(spec.arms.map((a) => Object.freeze({ code: a.code, ratio: a.ratio }))),
    blockSizes: Object.freeze([...spec.blockSizes]),
  });
  if (typeof stratumKey !== 'string')
    throw validationError('The stratum key must be a string', [
      { path: 'stratumKey', message: 'not a string' },
    ]);
  const sizes = [...ownSpec.blockSizes].sort((a, b) => a - b);
  const sum = ratioSum(ownSpec.arms);
  const blocks: Block[] = [];
  let end = 0;

  const makeBlock = (block: number): Block => {
    const rng = createRng(seed, blockLabel(stratumKey, block));
    const size = sizes[rng.nextInt(sizes.length)] as number;
    const replicated = ownSpec.arms.flatMap((arm) =>
      Array.from({ length: (size / sum) * arm.ratio }, () => arm.code),
    );
    return { start: end, arms: Object.freeze(shuffled(replicated, rng)) };
  };

  const slot = (index: number): BlockSlot => {
    if (!Number.isSafeInteger(index) || index < 0)
      throw new RangeError(`slot index must be a non-negative integer, got ${index}`);
    while (end <= index) {
      const block = makeBlock(blocks.length);
      blocks.push(block);
      end += block.arms.length;
    }
    let lo = 0;
    let hi = blocks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((blocks[mid] as Block).start <= index) lo = mid;
      else hi = mid - 1;
    }
    const block = blocks[lo] as Block;
    const position = index - block.start;
    return Object.freeze({
      index,
      arm: block.arms[position] as string,
      block: lo,
      blockSize: block.arms.length,
      position,
    });
  };

  const take = (count: number, from = 0): readonly BlockSlot[] => {
    if (!Number.isSafeInteger(count) || count < 0)
      throw new RangeError(`take: count must be a non-negative integer, got ${count}`);
    return Object.freeze(Array.from({ length: count }, (_, i) => slot(from + i)));
  };

  return Object.freeze({
    spec: ownSpec,
    stratumKey,
    slot,
    take,
    *[Symbol.iterator](): Iterator<BlockSlot> {
      for (let i = 0; ; i += 1) yield slot(i);
    },
  });
}
