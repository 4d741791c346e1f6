/**
 * IBM System/360 hexadecimal floating point, the number format of SAS transport (XPORT) v5 files:
 * a sign bit, a 7-bit base-16 exponent biased by 64 and a 56-bit fraction (SAS TS-140).
 *
 * The fraction is normalised to a non-zero leading hex digit, so it always holds at least 53
 * significant bits: every IEEE double in the IBM range (about 5.4e-79 to 7.2e75 in magnitude) is
 * written exactly, and reads back as the same double. Smaller magnitudes are written as zero, as
 * SAS does; -0 as 0.
 */

/** Smallest positive normalised IBM value, 16^-65: anything smaller in magnitude is written as zero. */
export const IBM_MIN = 16 ** -65;
/**
 * The largest double written, the last below 16^63 (about 7.2e75). The largest IBM number,
 * (1 - 16^-14) * 16^63, is left out: haven reads it as infinity, and it rounds to 16^63 as a double.
 */
export const IBM_MAX = 2 ** 252 - 2 ** 199;

const TWO_32 = 2 ** 32;
const scratch = new DataView(new ArrayBuffer(8));

/** Why a double cannot be written, or null when it can. */
export function ibmProblem(x: number): string | null {
  if (Number.isNaN(x)) return 'NaN is not a number SAS can store (write a missing value instead)';
  if (!Number.isFinite(x)) return `${x} cannot be stored in SAS transport`;
  if (Math.abs(x) > IBM_MAX) return `${x} is beyond the largest IBM floating-point number (about 7.2e75)`;
  return null;
}

/**
 * Writes `x` as an 8-byte IBM float at `offset` of `view`. `x` must be finite and within IBM_MAX
 * (see ibmProblem); magnitudes below IBM_MIN underflow to zero, as SAS's own XPORT engine does.
 */
export function writeIbm(view: DataView, offset: number, x: number): void {
  const negative = x < 0;
  const a = Math.abs(x);
  if (a < IBM_MIN) {
    // Zero is all zero bytes, -0 included: R's readers take 0x80 followed by zeros for a missing value.
    view.setUint32(offset, 0);
    view.setUint32(offset + 4, 0);
    return;
  }
  // a lies in [2^(p-1), 2^p): read p from the double's own exponent field, never from a logarithm.
  scratch.setFloat64(0, a);
  const p = ((scratch.getUint16(0) >> 4) & 0x7ff) - 1022;
  const e16 = Math.ceil(p / 4);
  // The 56-bit fraction as an integer: an exact power-of-two scaling of a (at most 56 bits wide).
  const fraction = a * 2 ** (56 - 4 * e16);
  const high = Math.floor(fraction / TWO_32);
  const low = fraction - high * TWO_32;
  view.setUint32(offset, ((negative ? 0x80 : 0) | (e16 + 64)) * 0x1000000 + high);
  view.setUint32(offset + 4, low);
}

/** Reads an IBM float of `length` bytes (2–8; shorter ones are truncated on the right) as a double. */
export function readIbm(bytes: Uint8Array, offset: number, length: number): number {
  const first = bytes[offset] ?? 0;
  let high = 0;
  for (let i = 1; i < 4; i++) high = high * 256 + (i < length ? (bytes[offset + i] ?? 0) : 0);
  let low = 0;
  for (let i = 4; i < 8; i++) low = low * 256 + (i < length ? (bytes[offset + i] ?? 0) : 0);
  const negative = (first & 0x80) !== 0;
  if (high === 0 && low === 0) return 0;
  const exponent = (first & 0x7f) - 64;
  // One rounding at most (the sum of 56 bits), then an exact power-of-two scaling.
  const value = (high * TWO_32 + low) * 2 ** (4 * exponent - 56);
  return negative ? -value : value;
}
