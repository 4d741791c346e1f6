import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IBM_MAX, IBM_MIN, ibmProblem, readIbm, writeIbm } from '../../../src/core/formats/xpt/ibm-float.js';

const hex = (x: number): string => {
  const view = new DataView(new ArrayBuffer(8));
  writeIbm(view, 0, x);
  return Buffer.from(view.buffer).toString('hex');
};
const roundTrip = (x: number, length = 8): number => {
  const bytes = new Uint8Array(8);
  writeIbm(new DataView(bytes.buffer), 0, x);
  return readIbm(bytes, 0, length);
};

describe('IBM 360 floating point', () => {
  it('writes the encodings of SAS TS-140', () => {
    // Worked by hand from the definition (sign, excess-64 base-16 exponent, 56-bit fraction).
    expect(hex(1)).toBe('4110000000000000');
    expect(hex(-1)).toBe('c110000000000000');
    expect(hex(0.5)).toBe('4080000000000000');
    expect(hex(100)).toBe('4264000000000000');
    expect(hex(-118.625)).toBe('c276a00000000000');
    expect(hex(0.1)).toBe('401999999999999a'); // as haven::write_xpt writes it
    expect(hex(0)).toBe('0000000000000000');
  });

  it('writes -0 as 0, and magnitudes below 16^-65 as 0, as SAS does', () => {
    expect(hex(-0)).toBe('0000000000000000');
    expect(hex(1e-300)).toBe('0000000000000000');
    expect(hex(-1e-80)).toBe('0000000000000000');
    expect(roundTrip(IBM_MIN)).toBe(IBM_MIN);
  });

  it('writes doubles up to the last below 16^63 exactly, and refuses larger ones', () => {
    expect(hex(IBM_MAX)).toBe('7ffffffffffffff8'); // fraction 2^56 - 2^3: the double's 53 bits
    expect(roundTrip(-IBM_MAX)).toBe(-IBM_MAX);
    expect(ibmProblem(IBM_MAX)).toBeNull();
    expect(ibmProblem(2 ** 252)).toMatch(/beyond the largest IBM floating-point number/);
    expect(ibmProblem(Number.NaN)).toMatch(/NaN/);
    expect(ibmProblem(-Infinity)).toMatch(/cannot be stored/);
  });

  it('is exact for every safe integer', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        expect(roundTrip(n)).toBe(n);
      }),
      { numRuns: 5000 },
    );
  });

  it('round-trips every double of the IBM range exactly (53 bits fit in the 56-bit fraction)', () => {
    const inRange = fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => {
      const a = Math.abs(x);
      return a >= IBM_MIN && a <= IBM_MAX;
    });
    fc.assert(
      fc.property(inRange, (x) => {
        expect(roundTrip(x)).toBe(x);
      }),
      { numRuns: 20000 },
    );
    for (const x of [
      1 / 3,
      -2 / 3,
      Math.PI,
      0.1 + 0.2,
      123456.789,
      1e75,
      6e-79,
      2 ** 53 + 2,
      Number.MAX_SAFE_INTEGER,
    ])
      expect(roundTrip(x)).toBe(x);
  });

  it('reads shorter numerics truncated on the right, as SAS stores them', () => {
    expect(roundTrip(1, 3)).toBe(1);
    expect(roundTrip(123456, 4)).toBe(123456);
    expect(Math.abs(roundTrip(1 / 3, 4) - 1 / 3)).toBeLessThan(1e-6);
  });
});
