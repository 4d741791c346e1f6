import { createHmac, randomBytes } from 'node:crypto';
import { validationError } from '../errors.js';

/**
 * A deterministic stream of random numbers. Each call advances the stream, so an `Rng` is the one
 * stateful object of this module: create a fresh one per purpose, never share it.
 */
export interface Rng {
  /** A uniformly distributed integer in [0, 2^32). */
  nextUint32(): number;
  /** A uniformly distributed integer in [0, maxExclusive); 1 ≤ maxExclusive ≤ 2^32. */
  nextInt(maxExclusive: number): number;
  /** A uniformly distributed multiple of 2^-53 in [0, 1). */
  nextFloat(): number;
}

/** Prefix of every derived key, so that these keys can never collide with another use of the seed. */
const DOMAIN = 'trialdesk/randomization/rng/v1';
const SEED_BYTES = 32;
const MIN_SEED_BYTES = 16;
const TWO_POW_32 = 0x1_0000_0000;
const HEX = /^(?:[0-9a-f]{2})+$/i;

/** A fresh secret seed: 32 bytes from the operating system's CSPRNG, as 64 lowercase hex digits. */
export function generateSeed(): string {
  return randomBytes(SEED_BYTES).toString('hex');
}

/** The bytes of a hex seed; throws a validation error unless it is hex of at least 16 bytes. */
export function parseSeed(seed: string): Buffer {
  if (typeof seed !== 'string' || !HEX.test(seed) || seed.length < MIN_SEED_BYTES * 2)
    throw validationError(`The randomization seed must be hex of at least ${MIN_SEED_BYTES} bytes`, [
      { path: 'seed', message: `expected at least ${MIN_SEED_BYTES * 2} hex digits` },
    ]);
  return Buffer.from(seed, 'hex');
}

/**
 * The generator for (seed, label): HMAC-SHA256 in counter mode (after NIST SP 800-108's KDF in counter mode).
 * HMAC-SHA256 keyed by the seed derives a key for the domain-separated label; HMAC-SHA256 of a
 * 64-bit big-endian block counter under that key then gives 32 bytes per block. The same seed and
 * label always give the same stream; different labels give independent streams; without the seed the
 * stream cannot be predicted.
 */
export function createRng(seed: string, label: string): Rng {
  const labelKey = createHmac('sha256', parseSeed(seed))
    .update(DOMAIN)
    .update(Buffer.of(0))
    .update(label, 'utf8')
    .digest();
  return new HmacCounterRng(labelKey);
}

class HmacCounterRng implements Rng {
  readonly #key: Buffer;
  readonly #counter = Buffer.alloc(8);
  #blockNumber = 0;
  #block: Buffer = Buffer.alloc(0);
  #offset = 0;

  constructor(key: Buffer) {
    this.#key = key;
  }

  nextUint32(): number {
    if (this.#offset >= this.#block.length) this.#refill();
    const value = this.#block.readUInt32BE(this.#offset);
    this.#offset += 4;
    return value;
  }

  nextInt(maxExclusive: number): number {
    if (!Number.isInteger(maxExclusive) || maxExclusive < 1 || maxExclusive > TWO_POW_32)
      throw new RangeError(`nextInt: maxExclusive must be an integer in [1, 2^32], got ${maxExclusive}`);
    // Rejection sampling: accept only draws below the largest multiple of maxExclusive, so that
    // every residue is equally likely (no modulo bias). Fewer than half the draws are rejected.
    const limit = TWO_POW_32 - (TWO_POW_32 % maxExclusive);
    for (;;) {
      const draw = this.nextUint32();
      if (draw < limit) return draw % maxExclusive;
    }
  }

  nextFloat(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67_108_864 + low) / 9_007_199_254_740_992; // (high·2^26 + low) / 2^53
  }

  #refill(): void {
    this.#counter.writeUInt32BE(Math.floor(this.#blockNumber / TWO_POW_32), 0);
    this.#counter.writeUInt32BE(this.#blockNumber % TWO_POW_32, 4);
    this.#blockNumber += 1;
    this.#block = createHmac('sha256', this.#key).update(this.#counter).digest();
    this.#offset = 0;
  }
}
