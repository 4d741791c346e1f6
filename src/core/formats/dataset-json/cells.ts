import type { Cell, Column } from './types.js';

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
const DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;
const TIME = /^(\d{2})(?::(\d{2})(?::(\d{2})(?:\.\d+)?)?)?(Z|[+-](\d{2}):(\d{2}))?$/;
// No blanks or control characters (RFC 3986 allows neither unescaped).
const URI = /^[^\s\p{Cc}]+$/u;

const inRange = (s: string | undefined, lo: number, hi: number): boolean =>
  s === undefined || (Number(s) >= lo && Number(s) <= hi);

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** ISO 8601 calendar date, complete or reduced (YYYY, YYYY-MM), with real months and days. */
function isDate(s: string): boolean {
  const m = DATE.exec(s);
  if (m === null) return false;
  if (!inRange(m[2], 1, 12)) return false;
  return m[3] === undefined || inRange(m[3], 1, daysIn(Number(m[1]), Number(m[2])));
}

/** ISO 8601 time of day (hh, hh:mm, hh:mm:ss[.f]) with an optional Z or offset. */
function isTime(s: string): boolean {
  const m = TIME.exec(s);
  return (
    m !== null &&
    inRange(m[1], 0, 23) &&
    inRange(m[2], 0, 59) &&
    inRange(m[3], 0, 59) &&
    inRange(m[5], 0, 23) &&
    inRange(m[6], 0, 59)
  );
}

/** ISO 8601 date and time (the time part may be absent or reduced, as SDTM's --DTC values are). */
function isDatetime(s: string): boolean {
  const t = s.indexOf('T');
  return t === -1 ? isDate(s) : isDate(s.slice(0, t)) && isTime(s.slice(t + 1));
}

/**
 * Why `value` cannot be a cell of `column`, or null when it can. Null is missing in every type, and
 * so is '' in the text types (the CDISC examples write missing dates as ''). Strings longer than the
 * column's length (in characters) are refused.
 */
export function cellProblem(column: Column, value: unknown): string | null {
  if (value === null) return null;
  const t = column.dataType;
  switch (t) {
    case 'string':
      if (typeof value !== 'string') return `a ${t} column needs a string, not ${describe(value)}`;
      if (column.length !== undefined && [...value].length > column.length)
        return `"${clip(value)}" has ${[...value].length} characters; the column's length is ${column.length}`;
      return null;
    case 'integer':
      return typeof value === 'number' && Number.isSafeInteger(value)
        ? null
        : `an integer column needs a whole number, not ${describe(value)}`;
    case 'float':
    case 'double':
      return typeof value === 'number' && Number.isFinite(value)
        ? null
        : `a ${t} column needs a finite number, not ${describe(value)}`;
    case 'boolean':
      return typeof value === 'boolean'
        ? null
        : `a boolean column needs true or false, not ${describe(value)}`;
    case 'decimal':
      // Dataset-JSON 1.1 writes decimals as strings, so that no digit is lost to binary floating point.
      return typeof value === 'string' && (value === '' || DECIMAL.test(value))
        ? null
        : `a decimal column needs a decimal number written as a string (e.g. "12.50"), not ${describe(value)}`;
    case 'date':
    case 'datetime':
    case 'time': {
      const ok = { date: isDate, datetime: isDatetime, time: isTime }[t];
      return typeof value === 'string' && (value === '' || ok(value))
        ? null
        : `a ${t} column needs an ISO 8601 ${t} string, not ${describe(value)}`;
    }
    case 'URI':
      return typeof value === 'string' && (value === '' || URI.test(value))
        ? null
        : `a URI column needs a URI, not ${describe(value)}`;
  }
}

/** Type guard form of cellProblem. */
export const isCell = (column: Column, value: unknown): value is Cell => cellProblem(column, value) === null;

const clip = (s: string): string => (s.length > 24 ? `${s.slice(0, 24)}…` : s);

function describe(value: unknown): string {
  if (typeof value === 'string') return `the string "${clip(value)}"`;
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return `the ${typeof value} ${String(value)}`;
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
