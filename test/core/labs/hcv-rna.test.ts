import { describe, expect, it } from 'vitest';
import type { DomainError } from '../../../src/core/errors.js';
import { analysisValue, isResponder, log10Reduction, parseHcvRna } from '../../../src/core/labs/hcv-rna.js';

const issuesOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as DomainError).details?.issues;
  }
  throw new Error('expected a validation error');
};

describe('HCV RNA results', () => {
  it('reads quantified values however labs write them', () => {
    for (const raw of ['2400000', '2.4E6', '2,400,000', ' 2400000 ', '2.4e+6'])
      expect(parseHcvRna(raw, 'IU/mL')).toEqual({ kind: 'value', iuPerMl: 2_400_000 });
    expect(parseHcvRna('6.38', 'log10 IU/mL').kind).toBe('value');
    expect((parseHcvRna('6', 'log10 IU/mL') as { iuPerMl: number }).iuPerMl).toBeCloseTo(1e6, 6);
  });

  it('reads results below the LLOQ and target not detected', () => {
    expect(parseHcvRna('<15', 'IU/mL')).toEqual({ kind: 'below_lloq', lloq: 15 });
    expect(parseHcvRna('< 43', 'IU/mL')).toEqual({ kind: 'below_lloq', lloq: 43 });
    expect(parseHcvRna('<LLOQ', 'IU/mL', 15)).toEqual({ kind: 'below_lloq', lloq: 15 });
    expect(parseHcvRna('TND', 'IU/mL', 15)).toEqual({ kind: 'not_detected', lloq: 15 });
    expect(parseHcvRna('Target not detected', 'IU/mL')).toEqual({ kind: 'not_detected', lloq: null });
  });

  it('refuses implausible values, bad units and unreadable text, naming the field and why', () => {
    expect(issuesOf(() => parseHcvRna('0', 'IU/mL'))).toEqual([
      { path: 'result', message: 'must be above 0 and at most 1e9 IU/mL' },
    ]);
    expect(issuesOf(() => parseHcvRna('2e9', 'IU/mL'))).toEqual([
      { path: 'result', message: 'must be above 0 and at most 1e9 IU/mL' },
    ]);
    expect(issuesOf(() => parseHcvRna('-5', 'IU/mL'))).toEqual([
      { path: 'result', message: 'must be above 0 and at most 1e9 IU/mL' },
    ]);
    expect(issuesOf(() => parseHcvRna('lots', 'IU/mL', undefined, 'LBORRES'))).toEqual([
      { path: 'LBORRES', message: 'must be a number' },
    ]);
    expect(issuesOf(() => parseHcvRna('100', 'copies/mL'))).toEqual([
      { path: 'unit', message: 'must be IU/mL or log10 IU/mL' },
    ]);
    expect(issuesOf(() => parseHcvRna('<LLOQ', 'IU/mL'))).toEqual([
      { path: 'lloq', message: 'is required for "<LLOQ"' },
    ]);
    expect(issuesOf(() => parseHcvRna('10', 'IU/mL', 15))).toEqual([
      { path: 'result', message: 'below the LLOQ (15): report as "<15"' },
    ]);
  });

  it('imputes below-LLOQ and TND values by the protocol rule, flagged', () => {
    expect(analysisValue({ kind: 'below_lloq', lloq: 15 }, 'lloq')).toEqual({ iuPerMl: 15, imputed: true });
    expect(analysisValue({ kind: 'not_detected', lloq: 15 }, 'half-lloq')).toEqual({
      iuPerMl: 7.5,
      imputed: true,
    });
    expect(analysisValue({ kind: 'not_detected', lloq: null }, 'lloq')).toEqual({
      iuPerMl: null,
      imputed: true,
    });
    expect(analysisValue({ kind: 'value', iuPerMl: 800 }, 'lloq')).toEqual({ iuPerMl: 800, imputed: false });
  });

  it('computes the log10 reduction and EVR at exactly 2 log10', () => {
    expect(log10Reduction(2_000_000, 20_000)).toBeCloseTo(2, 12);
    expect(isResponder(log10Reduction(2_000_000, 20_000), 2)).toBe(true);
    expect(isResponder(log10Reduction(2_000_000, 20_001), 2)).toBe(false);
    expect(log10Reduction(1000, 10_000)).toBeCloseTo(-1, 12); // the virus rose
    expect(() => log10Reduction(0, 10)).toThrow(RangeError);
  });
});
