import { describe, expect, it } from 'vitest';
import { findVisit, measureRefusal, visitRefusal } from '../../../src/core/capture/visit-rules.js';
import { parseProtocol, type Protocol } from '../../../src/core/protocol/index.js';
import { readProtocol } from '../../support/fixtures.js';

const nr = parseProtocol(readProtocol('protocols/celgosivir-nr-phase2.yaml'), 'nr.yaml');
const randomized = { status: 'randomized', electedPhases: [] } as const;
const eligible = { status: 'eligible', electedPhases: [] } as const;
const failed = { status: 'screen_failed', electedPhases: [] } as const;

describe('who may have data at which visit', () => {
  it('finds visits by code', () => {
    expect(findVisit(nr, 'W12')).toMatchObject({ code: 'W12', day: 84, phase: 'MAIN' });
    expect(findVisit(nr, 'W13')).toBeUndefined();
  });

  it('takes screening data from a screened subject who did not fail, randomized or not', () => {
    expect(visitRefusal(nr, 'SCR', eligible)).toBeNull();
    expect(visitRefusal(nr, 'SCR', randomized)).toBeNull();
  });

  it('takes data from day 0 on only from a randomized subject', () => {
    expect(visitRefusal(nr, 'D0', eligible)).toBe('the subject is not randomized: D0 is on or after day 0');
    expect(visitRefusal(nr, 'W4', eligible)).toBe('the subject is not randomized: W4 is on or after day 0');
    expect(visitRefusal(nr, 'D0', randomized)).toBeNull();
    expect(visitRefusal(nr, 'W12', randomized)).toBeNull();
  });

  it('takes no data at all from a screen failure', () => {
    for (const v of ['SCR', 'D0', 'W4'])
      expect(visitRefusal(nr, v, failed)).toBe('the subject failed screening: no study data is recorded');
  });

  it('takes extension visits only after the extension election', () => {
    expect(visitRefusal(nr, 'W16', randomized)).toBe(
      'the subject has not elected the extension to 48 weeks: record the election first',
    );
    expect(visitRefusal(nr, 'W48', { status: 'randomized', electedPhases: ['EXT'] })).toBeNull();
    // The election comes after randomization: an unrandomized subject is refused for that first.
    expect(visitRefusal(nr, 'W16', { status: 'eligible', electedPhases: ['EXT'] })).toBe(
      'the subject is not randomized: W16 is on or after day 0',
    );
  });

  it('refuses a visit the protocol lacks', () => {
    expect(visitRefusal(nr, 'W13', randomized)).toBe('W13 is not a visit of the protocol');
  });
});

describe('which measure is taken at which visit', () => {
  // A variant where week 1 measures nothing, so "not measured at" can be seen.
  const variant: Protocol = {
    ...nr,
    visits: nr.visits.map((v) => (v.code === 'W1' ? { ...v, measures: [] } : v)),
  };

  it('accepts a measure of the visit', () => {
    expect(measureRefusal(nr, 'W12', 'HCVRNA')).toBeNull();
    expect(measureRefusal(variant, 'W2', 'HCVRNA')).toBeNull();
  });

  it('says why a measure cannot be recorded: unknown visit, unknown measure, or not at that visit', () => {
    expect(measureRefusal(nr, 'W13', 'HCVRNA')).toBe('W13 is not a visit of the protocol');
    expect(measureRefusal(nr, 'W12', 'ALT')).toBe('ALT is not a measure of the protocol');
    expect(measureRefusal(variant, 'W1', 'HCVRNA')).toBe('HCVRNA is not measured at W1');
  });
});
