import { isDomainError, validationError } from '../errors.js';
import { parseResult, type MeasureResult, type ReportedResult } from '../labs/result.js';
import type { Protocol } from '../protocol/schema.js';
import { controlCharacterProblem } from '../input/unsafe-input.js';
import { EARLIEST_DATE, isIsoDate } from './dates.js';
import { runEditChecks, type CheckFinding } from './edit-checks.js';
import { measureRefusal, visitRefusal, type SubjectState } from './visit-rules.js';

/**
 * The central lab's results file: one result a line, under a header naming the columns (any order,
 * any case). `lloq` may be left empty; `measure` and `assay` are optional columns.
 */
export const LAB_CSV_COLUMNS = ['subject', 'visit', 'date', 'result', 'unit', 'lloq'] as const;
export const LAB_CSV_OPTIONAL_COLUMNS = ['measure', 'assay'] as const;
type RequiredColumn = (typeof LAB_CSV_COLUMNS)[number];
type OptionalColumn = (typeof LAB_CSV_OPTIONAL_COLUMNS)[number];

/** Where each column is in a record, from the header. */
export interface LabColumns {
  readonly count: number;
  readonly at: Readonly<Record<RequiredColumn, number>> & Readonly<Partial<Record<OptionalColumn, number>>>;
}

/** One line of the file, read and checked against the protocol. */
export interface LabRow extends ReportedResult {
  readonly line: number;
  /** The subject's screening number, e.g. WPG-S001. */
  readonly subject: string;
}

/** A row read, or why it cannot be. */
export type LabRowOutcome =
  { readonly ok: true; readonly row: LabRow } | { readonly ok: false; readonly message: string };

/** What the checks need to know of the row's subject (from the store). */
export interface LabSubject extends SubjectState {
  readonly consentedOn: string;
  /** Study day 0, or null before randomization. */
  readonly day0: string | null;
}

/** A row's subject-level outcome: an error, or the soft findings that open queries. */
export type LabCheckOutcome =
  | { readonly ok: true; readonly warnings: readonly CheckFinding[] }
  | { readonly ok: false; readonly message: string };

const LIMITS: Readonly<Partial<Record<RequiredColumn | OptionalColumn, number>>> = {
  subject: 40,
  result: 40,
  unit: 30,
  assay: 120,
};

const known = new Set<string>([...LAB_CSV_COLUMNS, ...LAB_CSV_OPTIONAL_COLUMNS]);

/**
 * Reads the header row (names trimmed, any case, any order). Throws one validation error naming every
 * missing, unknown or repeated column.
 */
export function labColumns(header: readonly string[]): LabColumns {
  const at: Record<string, number> = {};
  const problems: string[] = [];
  header.forEach((raw, i) => {
    const name = raw.trim().toLowerCase();
    if (!known.has(name))
      problems.push(name === '' ? `column ${i + 1} has no name` : `unknown column "${raw.trim()}"`);
    else if (at[name] !== undefined) problems.push(`column "${name}" appears twice`);
    else at[name] = i;
  });
  const missing = LAB_CSV_COLUMNS.filter((c) => at[c] === undefined);
  if (missing.length > 0) problems.unshift(`missing ${missing.join(', ')}`);
  if (problems.length > 0)
    throw validationError(
      `The CSV header must name the columns ${LAB_CSV_COLUMNS.join(', ')} (and optionally ` +
        `${LAB_CSV_OPTIONAL_COLUMNS.join(', ')}), in any order: ${problems.join('; ')}`,
      problems.map((message) => ({ path: 'header', message })),
    );
  return { count: header.length, at: at as LabColumns['at'] };
}

const POSITIVE_NUMBER = /^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** The message of a validation error from the result parser, starting with the column it is about. */
function parserMessage(e: unknown): string {
  if (!isDomainError(e) || e.code !== 'validation') throw e;
  const issues = (e.details?.issues ?? []) as readonly { path: string }[];
  const path = issues[0]?.path ?? 'result';
  return e.message.toLowerCase().startsWith(path.toLowerCase()) ? e.message : `${path}: ${e.message}`;
}

/**
 * A reader of the file's rows against the protocol: each record becomes a typed row, or the reasons
 * it is refused, each starting with the column (`date: …; result: …`). `assay` is the import's
 * default for rows that leave it empty. The protocol's lookups are built once, for large files.
 */
export function labRowReader(
  protocol: Protocol,
  columns: LabColumns,
  defaults: { readonly assay?: string | undefined } = {},
): (fields: readonly string[], line: number) => LabRowOutcome {
  const visits = new Map(protocol.visits.map((v) => [v.code, v]));
  const measures = new Map(protocol.measures.map((m) => [m.code, m]));
  const refusals = new Map<string, string | null>();
  const measureAt = (visit: string, measure: string): string | null => {
    const key = `${visit}\u0000${measure}`;
    let refusal = refusals.get(key);
    if (refusal === undefined) refusals.set(key, (refusal = measureRefusal(protocol, visit, measure)));
    return refusal;
  };
  // Labs send few distinct dates: remember each one's validity (bounded, for files of any size).
  const dates = new Map<string, boolean>();
  const validDate = (text: string): boolean => {
    let valid = dates.get(text);
    if (valid === undefined) {
      if (dates.size >= 10_000) dates.clear();
      dates.set(text, (valid = isIsoDate(text)));
    }
    return valid;
  };
  const { at } = columns;

  return (fields, line) => {
    if (fields.length !== columns.count)
      return {
        ok: false,
        message: `has ${fields.length} field(s) where the header has ${columns.count}`,
      };
    const problems: string[] = [];
    const cell = (column: RequiredColumn | OptionalColumn): string => {
      const i = at[column];
      const value = i === undefined ? '' : (fields[i] ?? '').trim();
      const limit = LIMITS[column];
      const control = controlCharacterProblem(value);
      if (control) {
        problems.push(`${column}: ${control}`);
        return '';
      }
      if (limit !== undefined && value.length > limit) {
        problems.push(`${column}: must be at most ${limit} characters`);
        return '';
      }
      return value;
    };
    const required = (column: RequiredColumn): string => {
      const value = cell(column);
      if (value === '' && !problems.some((p) => p.startsWith(`${column}:`)))
        problems.push(`${column}: is empty`);
      return value;
    };

    const subject = required('subject');
    const visitText = required('visit').toUpperCase();
    const date = required('date');
    const reported = required('result');
    const unit = required('unit');
    const lloqText = cell('lloq');
    const measureText = cell('measure').toUpperCase();
    const assay = cell('assay') || defaults.assay || null;

    if (date !== '' && !validDate(date))
      problems.push(`date: must be a real date written YYYY-MM-DD, not "${date}"`);
    else if (date !== '' && date < EARLIEST_DATE)
      problems.push(`date: must be ${EARLIEST_DATE} or later, not "${date}"`);
    let lloq: number | undefined;
    if (lloqText !== '') {
      lloq = POSITIVE_NUMBER.test(lloqText) ? Number(lloqText) : Number.NaN;
      if (!(Number.isFinite(lloq) && lloq > 0))
        problems.push(`lloq: must be a number above 0 (or empty), not "${lloqText}"`);
    }
    let measure = measureText;
    const visit = visits.get(visitText);
    if (visitText !== '' && !visit) problems.push(`visit: ${visitText} is not a visit of the protocol`);
    else if (visit) {
      if (measure === '') {
        if (visit.measures.length === 1) measure = visit.measures[0] as string;
        else
          problems.push(
            visit.measures.length === 0
              ? `measure: no measure is taken at ${visit.code}`
              : `measure: is required: ${visit.code} has ${visit.measures.length} measures (${visit.measures.join(', ')})`,
          );
      } else {
        const refusal = measureAt(visit.code, measure);
        if (refusal) problems.push(`measure: ${refusal}`);
      }
    }
    const definition = measures.get(measure);
    if (problems.length > 0 || !definition) return { ok: false, message: problems.join('; ') };

    let result: MeasureResult;
    try {
      result = parseResult(reported, {
        unit,
        measureUnit: definition.unit,
        lloq: lloq ?? definition.lloq,
        field: 'result',
      });
    } catch (e) {
      return { ok: false, message: parserMessage(e) };
    }
    return {
      ok: true,
      row: { line, subject, visit: visitText, measure, collectedOn: date, result, reported, unit, assay },
    };
  };
}

/** The CSV column an edit check's field is read from. */
const COLUMN_OF: Readonly<Record<string, string>> = { collectedOn: 'date', result: 'result', assay: 'assay' };
const columnOf = (path: string): string => COLUMN_OF[path] ?? path;

/**
 * A checker of read rows against their subject: known in the study (and to the caller), allowed at the
 * visit, and the protocol's edit checks on the result (hard findings refuse the row, soft ones come
 * back to open queries). `today` is the UTC date the import runs.
 */
export function labRowChecker(
  protocol: Protocol,
  today: string,
): (row: LabRow, subject: LabSubject | undefined) => LabCheckOutcome {
  const refusals = new Map<string, string | null>();
  return (row, subject) => {
    if (!subject) return { ok: false, message: `subject: ${row.subject} is not a subject of this study` };
    const key = `${row.visit}\u0000${subject.status}\u0000${subject.electedPhases.join(',')}`;
    let refusal = refusals.get(key);
    if (refusal === undefined) refusals.set(key, (refusal = visitRefusal(protocol, row.visit, subject)));
    if (refusal) return { ok: false, message: `visit: ${row.visit} for ${row.subject}: ${refusal}` };
    const findings = runEditChecks(
      protocol,
      {
        form: 'result',
        visitCode: row.visit,
        measure: row.measure,
        collectedOn: row.collectedOn,
        result: row.result,
        assay: row.assay,
      },
      { today, consentedOn: subject.consentedOn, day0: subject.day0 },
    );
    const hard = findings.filter((f) => f.severity === 'hard');
    if (hard.length > 0)
      return {
        ok: false,
        message: hard.map((f) => `${columnOf(f.path)}: ${f.message} (edit check ${f.check})`).join('; '),
      };
    return { ok: true, warnings: findings };
  };
}

/** How a soft finding is reported for its row: it opens a query on the data point when imported. */
export const labWarningMessage = (f: Pick<CheckFinding, 'check' | 'path' | 'message'>): string =>
  `${columnOf(f.path)}: ${f.message} (edit check ${f.check}: opens a query)`;

/** The same subject, visit and measure on an earlier line of the file. */
export const labDuplicateMessage = (
  row: { readonly subject: string; readonly visit: string; readonly measure: string },
  firstLine: number,
): string =>
  `${row.subject} ${row.visit} ${row.measure}: this result is already on line ${firstLine} of the file`;

/** A result is recorded for the data point, and the file's differs from it. */
export const labDifferentMessage = (
  row: { readonly subject: string; readonly visit: string; readonly measure: string },
  recorded: {
    readonly reported: string;
    readonly unit: string;
    readonly collectedOn: string;
    readonly source: string;
  },
): string =>
  `${row.subject} ${row.visit} ${row.measure}: a different result is already recorded ` +
  `(${recorded.reported} ${recorded.unit}, sampled ${recorded.collectedOn}, ` +
  `${recorded.source === 'central_lab' ? 'from a central-lab import' : 'entered by the site'}); ` +
  'change it in the casebook with a reason for change';
