/** Calendar dates as 'YYYY-MM-DD' strings (UTC), the form the store and the API use. */

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether `text` is a real calendar date written YYYY-MM-DD (2026-02-30 is not). */
export function isIsoDate(text: string): boolean {
  const m = ISO_DATE.exec(text);
  if (!m) return false;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === text;
}

/** No date of a trial (consent, visit, sample, kit expiry, screening answer) is earlier than this. */
export const EARLIEST_DATE = '1900-01-01';

/** Why a YYYY-MM-DD text is not a date a trial can hold, or null when it is one. */
export function dateProblem(text: string): string | null {
  if (!isIsoDate(text)) return 'must be a real date, YYYY-MM-DD';
  if (text < EARLIEST_DATE) return `must be ${EARLIEST_DATE} or later`;
  return null;
}

/** The date `days` after (or before, if negative) `date`. */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** Today's date in UTC. */
export const todayUtc = (now: Date = new Date()): string => now.toISOString().slice(0, 10);

/**
 * The latest calendar date anywhere on Earth right now (UTC+14): a date after it is in the future
 * for every site, while a site ahead of UTC can still enter today's date in its morning.
 */
export const latestDateOnEarth = (now: Date = new Date()): string =>
  todayUtc(new Date(now.getTime() + 14 * 3_600_000));
