import { describe, expect, it } from 'vitest';
import {
  addDays,
  daysBetween,
  isIsoDate,
  latestDateOnEarth,
  todayUtc,
} from '../../../src/core/capture/dates.js';

describe('calendar dates', () => {
  it('accepts only real dates written YYYY-MM-DD', () => {
    for (const ok of ['2026-01-31', '2024-02-29', '2000-02-29', '1999-12-31'])
      expect(isIsoDate(ok)).toBe(true);
    for (const bad of [
      '2026-02-30',
      '2025-02-29',
      '1900-02-29',
      '2026-13-01',
      '2026-00-10',
      '2026-04-31',
      '2026-1-01',
      '2026-01-01T00:00:00Z',
      ' 2026-01-01',
      '01/02/2026',
      '',
    ])
      expect(isIsoDate(bad), bad).toBe(false);
  });

  it('adds days across month ends, leap days and year ends, forwards and backwards', () => {
    expect(addDays('2026-01-31', 1)).toBe('2026-02-01');
    expect(addDays('2026-01-31', 28)).toBe('2026-02-28');
    expect(addDays('2024-01-31', 29)).toBe('2024-02-29');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2025-02-28', 1)).toBe('2025-03-01');
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01');
    expect(addDays('2026-01-01', -1)).toBe('2025-12-31');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(addDays('2026-03-29', -28)).toBe('2026-03-01');
    expect(addDays('2026-05-10', 0)).toBe('2026-05-10');
    expect(addDays('2026-01-01', 336)).toBe('2026-12-03');
  });

  it('counts whole days between dates, negative when the second is earlier', () => {
    expect(daysBetween('2024-02-01', '2024-03-01')).toBe(29);
    expect(daysBetween('2025-02-01', '2025-03-01')).toBe(28);
    expect(daysBetween('2026-03-01', '2026-02-01')).toBe(-28);
    expect(daysBetween('2026-06-15', '2026-06-15')).toBe(0);
    // Days are UTC calendar days: no daylight-saving hour makes 23 or 25 hours of a day.
    expect(daysBetween('2026-03-07', '2026-03-09')).toBe(2);
    expect(daysBetween('2026-10-24', '2026-10-26')).toBe(2);
    expect(daysBetween('2025-12-31', '2026-01-01')).toBe(1);
  });

  it('round-trips addDays and daysBetween', () => {
    for (const n of [-400, -29, -1, 0, 1, 28, 59, 366])
      expect(daysBetween('2024-02-29', addDays('2024-02-29', n))).toBe(n);
  });

  it('takes today in UTC, whatever the local offset of the instant', () => {
    expect(todayUtc(new Date('2026-03-01T23:30:00-05:00'))).toBe('2026-03-02');
    expect(todayUtc(new Date('2026-03-02T00:30:00+02:00'))).toBe('2026-03-01');
    expect(isIsoDate(todayUtc())).toBe(true);
  });
});

describe('latestDateOnEarth', () => {
  it('is the UTC date 14 hours ahead: tomorrow from 10:00 UTC, today before', () => {
    expect(latestDateOnEarth(new Date('2026-03-10T09:59:59Z'))).toBe('2026-03-10');
    expect(latestDateOnEarth(new Date('2026-03-10T10:00:00Z'))).toBe('2026-03-11');
    expect(latestDateOnEarth(new Date('2026-12-31T23:00:00Z'))).toBe('2027-01-01');
  });
});
