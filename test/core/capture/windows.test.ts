import { describe, expect, it } from 'vitest';
import { daysOutOfWindow, visitWindow } from '../../../src/core/capture/windows.js';
import { parseProtocol } from '../../../src/core/protocol/index.js';
import { readProtocol } from '../../support/fixtures.js';

const nr = parseProtocol(readProtocol('protocols/celgosivir-nr-phase2.yaml'), 'nr.yaml');

describe('visit windows', () => {
  it('puts a visit at its study day from day 0, with its window either side', () => {
    expect(visitWindow(nr, 'D0', '2026-01-15')).toEqual({
      nominal: '2026-01-15',
      earliest: '2026-01-15',
      latest: '2026-01-15',
    });
    expect(visitWindow(nr, 'W12', '2026-01-15')).toEqual({
      nominal: '2026-04-09',
      earliest: '2026-04-02',
      latest: '2026-04-16',
    });
    expect(visitWindow(nr, 'W48', '2026-01-15')).toEqual({
      nominal: '2026-12-17',
      earliest: '2026-12-03',
      latest: '2026-12-31',
    });
  });

  it('counts across month ends and leap days', () => {
    // Day 0 on 31 January: week 4 (day 28) falls on 28 February, or 28 February in a leap year too.
    expect(visitWindow(nr, 'W4', '2026-01-31')).toEqual({
      nominal: '2026-02-28',
      earliest: '2026-02-25',
      latest: '2026-03-03',
    });
    expect(visitWindow(nr, 'W4', '2024-01-31')).toEqual({
      nominal: '2024-02-28',
      earliest: '2024-02-25',
      latest: '2024-03-02',
    });
    expect(visitWindow(nr, 'W1', '2025-12-28')).toEqual({
      nominal: '2026-01-04',
      earliest: '2026-01-02',
      latest: '2026-01-06',
    });
  });

  it('places visits before day 0 (negative study days) before randomization', () => {
    // Screening: day -28, window 0 before and 27 after: the 28 days up to the day before day 0.
    expect(visitWindow(nr, 'SCR', '2026-03-01')).toEqual({
      nominal: '2026-02-01',
      earliest: '2026-02-01',
      latest: '2026-02-28',
    });
    expect(visitWindow(nr, 'SCR', '2024-03-01')).toEqual({
      nominal: '2024-02-02',
      earliest: '2024-02-02',
      latest: '2024-02-29',
    });
  });

  it('has no window for a visit the protocol lacks', () => {
    expect(visitWindow(nr, 'W13', '2026-01-15')).toBeNull();
  });

  it('counts days out of window: negative when early, positive when late, 0 inside', () => {
    const w12 = visitWindow(nr, 'W12', '2026-01-15')!;
    expect(daysOutOfWindow(w12, '2026-04-02')).toBe(0);
    expect(daysOutOfWindow(w12, '2026-04-09')).toBe(0);
    expect(daysOutOfWindow(w12, '2026-04-16')).toBe(0);
    expect(daysOutOfWindow(w12, '2026-04-01')).toBe(-1);
    expect(daysOutOfWindow(w12, '2026-03-26')).toBe(-7);
    expect(daysOutOfWindow(w12, '2026-04-17')).toBe(1);
    expect(daysOutOfWindow(w12, '2026-05-01')).toBe(15);
    // Across a month end and a year end.
    const w4 = visitWindow(nr, 'W4', '2026-01-31')!;
    expect(daysOutOfWindow(w4, '2026-02-24')).toBe(-1);
    expect(daysOutOfWindow(w4, '2026-03-04')).toBe(1);
    const d0 = visitWindow(nr, 'D0', '2025-12-31')!;
    expect(daysOutOfWindow(d0, '2026-01-01')).toBe(1);
    expect(daysOutOfWindow(d0, '2025-12-30')).toBe(-1);
  });
});
