/**
 * SAS dates count days, and SAS datetimes seconds, from 1960-01-01 (SDTM and ADaM numeric dates,
 * such as ADaM's *DT and *DTM variables, are stored so in transport files).
 */
const EPOCH_1960 = Date.UTC(1960, 0, 1);
const DAY_MS = 86_400_000;

/** Days since 1960-01-01 of a complete ISO 8601 date (YYYY-MM-DD); null if it is not one. */
export function isoDateToSas(iso: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (m === null) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const d = new Date(ms);
  if (d.getUTCMonth() !== Number(m[2]) - 1 || d.getUTCDate() !== Number(m[3])) return null;
  return Math.round((ms - EPOCH_1960) / DAY_MS);
}

/** The ISO 8601 date of a SAS date (days since 1960-01-01). */
export function sasToIsoDate(days: number): string {
  return new Date(EPOCH_1960 + days * DAY_MS).toISOString().slice(0, 10);
}

/** Seconds since 1960-01-01T00:00:00 of a complete ISO 8601 datetime without offset; null otherwise. */
export function isoDatetimeToSas(iso: string): number | null {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2}(?:\.\d+)?))?$/.exec(iso);
  if (m === null) return null;
  const days = isoDateToSas(m[1]!);
  if (days === null || Number(m[2]) > 23 || Number(m[3]) > 59 || Number(m[4] ?? 0) >= 60) return null;
  return days * 86_400 + Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4] ?? 0);
}

/** The ISO 8601 datetime (to the second) of a SAS datetime. */
export function sasToIsoDatetime(seconds: number): string {
  return new Date(EPOCH_1960 + seconds * 1000).toISOString().slice(0, 19);
}
