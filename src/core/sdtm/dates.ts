import { isIsoDate } from '../capture/dates.js';

/**
 * The calendar date of an ISO 8601 --DTC value: `2006-03-14` or `2006-03-14T09:30[:00]`. Partial
 * dates (`2006-03`, `2006`) cannot be stored and are refused. Returns the date or the reason.
 */
export function dateOfDtc(text: string, variable: string): { date: string } | { reason: string } {
  const t = text.trim();
  if (t === '') return { reason: `${variable} is empty` };
  const m = /^(\d{4}-\d{2}-\d{2})(T\d{2}(:\d{2}(:\d{2}(\.\d+)?)?)?)?$/.exec(t);
  if (m && isIsoDate(m[1] ?? '')) return { date: m[1] ?? '' };
  // SDTM writes a missing component as a dash: 2006---14, 2006-03, 2006.
  if (/^\d{4}(-\d{2})?$/.test(t) || /^\d{4}-[\d-]*--/.test(t))
    return { reason: `${variable} "${t}" is a partial date: only complete dates (YYYY-MM-DD) are imported` };
  return { reason: `${variable} "${t}" is not an ISO 8601 date (YYYY-MM-DD, optionally with a time)` };
}

/** As `dateOfDtc`, with an empty value allowed (null). */
export function optionalDateOfDtc(
  text: string,
  variable: string,
): { date: string | null } | { reason: string } {
  return text.trim() === '' ? { date: null } : dateOfDtc(text, variable);
}
