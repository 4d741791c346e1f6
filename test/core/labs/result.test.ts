import { describe, expect, it } from 'vitest';
import type { DomainError } from '../../../src/core/errors.js';
import { formatResult, parseResult, type ParseResultOptions } from '../../../src/core/labs/result.js';

const IU = { unit: 'IU/mL', measureUnit: 'IU/mL' } as const;
const LOG = { unit: 'log10 IU/mL', measureUnit: 'IU/mL' } as const;

/** The validation error parseResult throws: its message and issues. */
function refusal(raw: string | number, options: ParseResultOptions) {
  try {
    parseResult(raw, options);
  } catch (e) {
    const err = e as DomainError;
    expect(err.code).toBe('validation');
    return { message: err.message, issues: err.details?.issues };
  }
  throw new Error(`expected ${String(raw)} to be refused`);
}

describe('parseResult', () => {
  it('reads numbers however sites and labs write them', () => {
    for (const raw of [
      '2400000',
      '2.4E6',
      '2.4e6',
      '2.4e+6',
      '2,400,000',
      ' 2400000 ',
      '+2400000',
      2_400_000,
    ])
      expect(parseResult(raw, IU), String(raw)).toEqual({ kind: 'value', value: 2_400_000 });
    expect(parseResult('1,234.5', IU)).toEqual({ kind: 'value', value: 1234.5 });
    expect(parseResult('2.5E-1', { unit: 'points', measureUnit: 'points' })).toEqual({
      kind: 'value',
      value: 0.25,
    });
  });

  it('reads "<15" and "< 15" as below that limit of quantification', () => {
    expect(parseResult('<15', IU)).toEqual({ kind: 'below_lloq', lloq: 15 });
    expect(parseResult('< 15', IU)).toEqual({ kind: 'below_lloq', lloq: 15 });
    expect(parseResult('<1,000', IU)).toEqual({ kind: 'below_lloq', lloq: 1000 });
    // The limit written in the result wins over the assay's default.
    expect(parseResult('<43', { ...IU, lloq: 15 })).toEqual({ kind: 'below_lloq', lloq: 43 });
  });

  it('reads "<LLOQ" with the assay’s limit, and refuses it without one', () => {
    expect(parseResult('<LLOQ', { ...IU, lloq: 15 })).toEqual({ kind: 'below_lloq', lloq: 15 });
    expect(parseResult('< lloq', { ...IU, lloq: 25 })).toEqual({ kind: 'below_lloq', lloq: 25 });
    expect(refusal('<LLOQ', IU)).toEqual({
      message: 'result is "<LLOQ" but the assay\'s LLOQ is not given',
      issues: [{ path: 'lloq', message: 'is required for "<LLOQ"' }],
    });
  });

  it('reads target not detected, keeping the assay’s limit when known', () => {
    for (const raw of ['TND', 'tnd', 'Target not detected', 'not detected', ' TND '])
      expect(parseResult(raw, { ...IU, lloq: 15 }), raw).toEqual({ kind: 'not_detected', lloq: 15 });
    expect(parseResult('TND', IU)).toEqual({ kind: 'not_detected', lloq: null });
  });

  it('converts results reported in log10 IU/mL to IU/mL', () => {
    const six = parseResult('6', LOG);
    expect(six.kind).toBe('value');
    expect((six as { value: number }).value).toBeCloseTo(1e6, 6);
    expect((parseResult(6.38, LOG) as { value: number }).value).toBeCloseTo(10 ** 6.38, 3);
    expect((parseResult('<1.18', LOG) as { lloq: number }).lloq).toBeCloseTo(15.136, 3);
    // Units are compared without regard to case or spacing.
    expect(
      (parseResult('2', { unit: ' LOG10  iu/ml ', measureUnit: 'IU/mL' }) as { value: number }).value,
    ).toBeCloseTo(100, 9);
    expect(parseResult('100', { unit: 'iu/ml', measureUnit: 'IU/mL' })).toEqual({
      kind: 'value',
      value: 100,
    });
  });

  it('refuses a unit that is not the measure’s, naming the unit', () => {
    expect(refusal('100', { unit: 'copies/mL', measureUnit: 'IU/mL' })).toEqual({
      message: 'Unit "copies/mL" is not the unit of this measure (IU/mL)',
      issues: [{ path: 'unit', message: 'must be IU/mL or log10 IU/mL' }],
    });
    // Only IU/mL takes log10.
    expect(refusal('2', { unit: 'log10 points', measureUnit: 'points' }).issues).toEqual([
      { path: 'unit', message: 'must be points' },
    ]);
  });

  it('refuses a quantified value below the assay’s LLOQ: it must be reported as "<LLOQ"', () => {
    expect(refusal('10', { ...IU, lloq: 15 })).toEqual({
      message: 'result 10 is below the assay\'s LLOQ of 15: report it as "<15"',
      issues: [{ path: 'result', message: 'below the LLOQ (15): report as "<15"' }],
    });
    expect(refusal(14.9, { ...IU, lloq: 15 }).issues).toEqual([
      { path: 'result', message: 'below the LLOQ (15): report as "<15"' },
    ]);
    // 10^1 = 10 IU/mL, below 15.
    expect(refusal('1', { ...LOG, lloq: 15 }).issues).toEqual([
      { path: 'result', message: 'below the LLOQ (15): report as "<15"' },
    ]);
    expect(parseResult('15', { ...IU, lloq: 15 })).toEqual({ kind: 'value', value: 15 });
  });

  it('leaves zero and negative values to the plausibility checks rather than calling them below the LLOQ', () => {
    expect(parseResult('0', { ...IU, lloq: 15 })).toEqual({ kind: 'value', value: 0 });
    expect(parseResult(-5, { ...IU, lloq: 15 })).toEqual({ kind: 'value', value: -5 });
  });

  it('refuses what is not a number, naming the field', () => {
    for (const raw of ['lots', '2.4.6', '12,34', '1e', 'NaN', '', '<', '.5', '2 400 000', '1,0000'])
      expect(refusal(raw, IU).issues, raw).toEqual([{ path: 'result', message: 'must be a number' }]);
    expect(refusal('positive', { ...IU, field: 'LBORRES' })).toEqual({
      message: 'LBORRES must be a number, not "positive"',
      issues: [{ path: 'LBORRES', message: 'must be a number' }],
    });
    expect(refusal('<abc', IU).issues).toEqual([{ path: 'result', message: 'must be a number' }]);
    expect(refusal('<0', IU)).toEqual({
      message: 'result: the limit of "<0" must be above 0',
      issues: [{ path: 'result', message: 'limit must be above 0' }],
    });
    for (const raw of [Number.NaN, Number.POSITIVE_INFINITY])
      expect(refusal(raw, IU)).toEqual({
        message: 'result must be a finite number',
        issues: [{ path: 'result', message: 'must be a number' }],
      });
  });

  it('refuses an LLOQ that is not a positive number', () => {
    for (const lloq of [0, -15, Number.NaN])
      expect(refusal('100', { ...IU, lloq }).issues).toEqual([{ path: 'lloq', message: 'must be above 0' }]);
  });
});

describe('formatResult', () => {
  it('shows a value, a result below the LLOQ and target not detected as sites write them', () => {
    expect(formatResult({ kind: 'value', value: 2_400_000 })).toBe('2400000');
    expect(formatResult({ kind: 'below_lloq', lloq: 15 })).toBe('<15');
    expect(formatResult({ kind: 'not_detected', lloq: 15 })).toBe('TND');
  });
});
