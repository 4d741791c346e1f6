import { createHash, type Hash } from 'node:crypto';
import { pipeline, Readable } from 'node:stream';
import { parse, type CsvError } from 'csv-parse';
import { latestDateOnEarth } from '../../core/capture/dates.js';
import {
  labColumns,
  labDifferentMessage,
  labDuplicateMessage,
  labRowChecker,
  labRowReader,
  labWarningMessage,
  LAB_CSV_COLUMNS,
  LAB_CSV_OPTIONAL_COLUMNS,
  type LabColumns,
  type LabRow,
  type LabSubject,
} from '../../core/capture/lab-csv.js';
import { DomainError, notFound, validationError } from '../../core/errors.js';
import type { Protocol } from '../../core/protocol/schema.js';
import type {
  LabImportRecord,
  LabSubjectRecord,
  StagedResult,
} from '../../store/repositories/lab-import.repository.js';
import type { Repositories, Store } from '../../store/store.js';
import { authorize, sitesAllowing, type Caller } from '../caller.js';
import { currentProtocol, ensureOpen } from '../subjects/subject.service.js';
import { labImportOptionsSchema, type LabImportOptions } from './lab-import.schemas.js';

export type { LabImportRecord } from '../../store/repositories/lab-import.repository.js';

/** A row that cannot be imported, or a warning on one: its line in the file and why. */
export interface LabImportProblem {
  readonly line: number;
  readonly message: string;
}

/** What an import did, or (dry run) would do. */
export interface LabImportReport {
  readonly dryRun: boolean;
  /** The import's record; null for a dry run, a refused import, or a file with nothing new. */
  readonly labImportId: string | null;
  readonly fileName: string | null;
  /** SHA-256 of the file as received. */
  readonly sha256: string;
  /** Data rows read (the header and blank lines excluded). */
  readonly rows: number;
  /** Rows without an error: to insert, or unchanged. */
  readonly valid: number;
  /** Rows whose result is not recorded yet. */
  readonly toInsert: number;
  /** Results written (0 for a dry run or a refused import). */
  readonly inserted: number;
  /** Rows whose result is already recorded exactly so: nothing to do. */
  readonly unchanged: number;
  readonly errorCount: number;
  /** The first errors by line (at most 1,000). */
  readonly errors: readonly LabImportProblem[];
  /** Errors beyond the listed ones. */
  readonly errorsTruncated?: number;
  readonly warningCount: number;
  /** Soft edit-check findings on rows to insert (at most 1,000): each opens a query on import. */
  readonly warnings: readonly LabImportProblem[];
  readonly warningsTruncated?: number;
  readonly queriesOpened: number;
  /** Visit forms whose source-data verification the import cleared. */
  readonly sdvReset: number;
  readonly signaturesInvalidated: number;
}

/** Errors and warnings listed in a report: the rest are counted, so memory stays bounded. */
export const LISTED_PROBLEMS = 1000;
/** Rows checked against their subjects and staged per round trip. */
const BATCH_ROWS = 2000;
/** Subjects remembered between batches (a file of unknown numbers must not grow it without end). */
const SUBJECT_CACHE = 50_000;
/** Longest record read: beyond, the line is an error rather than a memory hog. */
const MAX_RECORD_CHARS = 64 * 1024;

/** A source of the file's bytes: an HTTP body, a file stream, chunks in a test. */
export type CsvSource = AsyncIterable<Buffer | string> | Readable;

/** The first `limit` problems by line, and how many there were in all, in bounded memory. */
class FirstByLine {
  private items: LabImportProblem[] = [];
  total = 0;
  constructor(private readonly limit: number) {}

  add(problem: LabImportProblem): void {
    this.total++;
    this.items.push(problem);
    if (this.items.length >= 2 * this.limit) this.items = this.sorted(this.items);
  }

  /** These problems merged with `more`, the first `limit` by line. */
  first(more: readonly LabImportProblem[] = []): LabImportProblem[] {
    return this.sorted([...this.items, ...more]);
  }

  private sorted(items: LabImportProblem[]): LabImportProblem[] {
    return items.sort((a, b) => a.line - b.line).slice(0, this.limit);
  }
}

/** Ends the transaction without committing, carrying the report out. */
class RolledBack extends Error {
  constructor(readonly report: LabImportReport) {
    super('rolled back');
  }
}

/**
 * The file's text, hashed as bytes and decoded as strict UTF-8: a file in another encoding (Latin-1
 * from a spreadsheet) is refused whole rather than imported with replaced characters.
 */
async function* hashed(source: CsvSource, hash: Hash): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let offset = 0;
  const notUtf8 = (): DomainError =>
    validationError(
      `The file is not valid UTF-8 text (in the bytes after byte ${offset}): save it as UTF-8 (CSV UTF-8)`,
      [{ path: 'body', message: 'must be UTF-8 text' }],
    );
  for await (const chunk of source as AsyncIterable<Buffer | string>) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    hash.update(bytes);
    let text: string;
    try {
      text = decoder.decode(bytes, { stream: true });
    } catch {
      throw notUtf8();
    }
    offset += bytes.length;
    if (text !== '') yield text;
  }
  try {
    const rest = decoder.decode();
    if (rest !== '') yield rest;
  } catch {
    throw notUtf8();
  }
}

/** Line breaks inside a record's fields (a quoted field may span lines). */
function breaks(fields: readonly string[]): number {
  let n = 0;
  for (const f of fields) for (let i = f.indexOf('\n'); i !== -1; i = f.indexOf('\n', i + 1)) n++;
  return n;
}

/** A record of the file with the line it starts on, or a malformed one: its line and why. */
type CsvItem =
  | { readonly fields: string[]; readonly line: number }
  | { readonly fields: null; readonly line: number; readonly message: string };

/**
 * The file's records in order, each with the line it starts on; blank lines are skipped. A malformed
 * record comes as an error and the parser goes on, so the whole file is always read: an HTTP client
 * gets its answer, and the digest covers every byte. (Lines are counted here: csv-parse's `info`
 * costs an object per record.)
 */
async function* csvRecords(source: CsvSource, hash: Hash): AsyncGenerator<CsvItem> {
  // Errors are reported by the parser as it reads ahead: each is queued with how many records came
  // before it, and given out in its place.
  const skipped: { after: number; line: number; message: string }[] = [];
  const parser = parse({
    bom: true,
    relax_column_count: true,
    max_record_size: MAX_RECORD_CHARS,
    skip_records_with_error: true,
    on_skip: (err: CsvError | undefined) => {
      skipped.push({
        after: parser.info.records,
        line: Number((err as { lines?: number } | undefined)?.lines ?? 0),
        message: `not valid CSV: ${err?.message ?? 'unreadable record'}`,
      });
    },
  });
  let next = 1;
  let lastError = -1;
  function* errorsBefore(record: number): Generator<CsvItem> {
    for (let s = skipped[0]; s && s.after <= record; s = skipped[0]) {
      skipped.shift();
      next = s.line + 1;
      // An unclosed quote is reported again at the end of the file: one error a line is enough.
      if (s.line !== lastError) yield { fields: null, line: s.line, message: s.message };
      lastError = s.line;
    }
  }
  let record = 0;
  // One chunk read ahead at most: memory stays flat whatever the chunk size.
  const chunks = Readable.from(hashed(source, hash), { highWaterMark: 1 });
  for await (const fields of pipeline(chunks, parser, () => undefined) as AsyncIterable<string[]>) {
    yield* errorsBefore(record++);
    const line = next;
    next += 1 + breaks(fields);
    if (fields.length === 1 && (fields[0] ?? '').trim() === '') continue;
    yield { fields, line };
  }
  yield* errorsBefore(Number.POSITIVE_INFINITY);
}

const toSubject = (s: LabSubjectRecord): LabSubject & { id: string; siteId: string } => ({
  id: s.id,
  siteId: s.siteId,
  status: s.status,
  electedPhases: s.electedPhases,
  consentedOn: s.consentedOn,
  day0: s.day0,
});

function checkOptions(options: unknown): LabImportOptions {
  const parsed = labImportOptionsSchema.safeParse(options);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  throw validationError(
    `Invalid import options: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`,
    issues,
  );
}

/** What reading the file gave: its digest, counts, the rows' errors (the valid rows are staged). */
interface ReadOutcome {
  readonly sha256: string;
  readonly rows: number;
  readonly errors: FirstByLine;
}

/**
 * Central-lab bulk import of results from CSV. The file is streamed: rows are read, checked and staged
 * in batches inside one transaction, so memory stays bounded whatever its size. A dry run reports and
 * rolls back; an import with any bad row writes nothing and fails with the same report; otherwise the
 * results, forms, signatures, queries and audit entries are written together. Re-importing a file
 * finds every row unchanged and writes nothing.
 */
export class LabImportService {
  constructor(private readonly store: Store) {}

  async importCsv(
    caller: Caller,
    studyId: string,
    source: CsvSource,
    options: LabImportOptions,
  ): Promise<LabImportReport> {
    const opts = checkOptions(options);
    const actor = authorize(caller, 'lab.import', { studyId });
    const sites = sitesAllowing(caller, 'lab.import', studyId);
    let report: LabImportReport;
    try {
      report = await this.store.write(actor, async (r) => {
        const { protocol, status } = await currentProtocol(r, studyId, { forWrite: true });
        ensureOpen(status);
        await r.labImports.openStaging();
        const read = await readFile(r, protocol, studyId, sites, source, opts);
        const summary = await r.labImports.stagedSummary();
        const problems = summary.problems > 0 ? await r.labImports.stagedProblems(LISTED_PROBLEMS) : [];
        const warned = summary.warnings > 0 ? await r.labImports.stagedWarnings(LISTED_PROBLEMS) : [];
        const errorCount = read.errors.total + summary.problems;
        const errors = read.errors.first(
          problems.map((p) => ({
            line: p.line,
            message:
              p.kind === 'duplicate'
                ? labDuplicateMessage(p, p.firstLine)
                : labDifferentMessage(p, p.recorded),
          })),
        );
        const warnings = warned
          .flatMap((w) => w.warnings.map((f) => ({ line: w.line, message: labWarningMessage(f) })))
          .slice(0, LISTED_PROBLEMS);
        const found: LabImportReport = {
          dryRun: opts.dryRun,
          labImportId: null,
          fileName: opts.fileName ?? null,
          sha256: read.sha256,
          rows: read.rows,
          valid: read.rows - errorCount,
          toInsert: summary.toInsert,
          inserted: 0,
          unchanged: summary.unchanged,
          errorCount,
          errors,
          ...(errorCount > errors.length ? { errorsTruncated: errorCount - errors.length } : {}),
          warningCount: summary.warnings,
          warnings,
          ...(summary.warnings > warnings.length
            ? { warningsTruncated: summary.warnings - warnings.length }
            : {}),
          queriesOpened: 0,
          sdvReset: 0,
          signaturesInvalidated: 0,
        };
        // Nothing is written by a dry run, a refused import, or a file with nothing new (re-imported).
        if (opts.dryRun || errorCount > 0 || summary.toInsert === 0) throw new RolledBack(found);
        const committed = await r.labImports.commit({
          studyId,
          fileName: found.fileName,
          sha256: found.sha256,
          rows: found.rows,
          toInsert: found.toInsert,
          unchanged: found.unchanged,
          userId: caller.userId,
        });
        return {
          ...found,
          labImportId: committed.id,
          inserted: committed.inserted,
          queriesOpened: committed.queriesOpened,
          sdvReset: committed.sdvReset,
          signaturesInvalidated: committed.signaturesInvalidated,
        };
      });
    } catch (e) {
      if (!(e instanceof RolledBack)) throw e;
      report = e.report;
    }
    if (!report.dryRun && report.errorCount > 0) throw refused(report);
    return report;
  }

  /** The study's imports, newest first (central lab, data manager, monitor). */
  async list(caller: Caller, studyId: string): Promise<LabImportRecord[]> {
    authorize(caller, 'lab.read', { studyId });
    return this.store.read(async (r) => {
      if (!(await r.studies.get(studyId))) throw notFound('Study', studyId);
      return r.labImports.list(studyId);
    });
  }
}

/** The error of an import with bad rows: nothing was written; the report says which rows and why. */
function refused(report: LabImportReport): DomainError {
  const first = report.errors[0];
  return new DomainError(
    'validation',
    `${report.errorCount} of ${report.rows} row(s) cannot be imported, so nothing was imported` +
      (first ? ` (first: line ${first.line}: ${first.message})` : ''),
    {
      issues: report.errors.map((e) => ({ path: `line ${e.line}`, message: e.message })),
      report,
    },
  );
}

/**
 * Streams the file through the CSV parser: checks the header, reads and checks each row, and stages
 * the valid ones in batches. Always reads the file to its end (an HTTP client gets its answer, and the
 * digest covers the whole file), even after a bad header.
 */
async function readFile(
  r: Repositories,
  protocol: Protocol,
  studyId: string,
  sites: readonly string[] | null,
  source: CsvSource,
  options: LabImportOptions,
): Promise<ReadOutcome> {
  const hash = createHash('sha256');
  const errors = new FirstByLine(LISTED_PROBLEMS);
  const randomizationVisit = protocol.phases.find((p) => p.kind === 'main')?.startVisit ?? null;
  const check = labRowChecker(protocol, latestDateOnEarth());
  const subjects = new Map<string, (LabSubject & { id: string; siteId: string }) | null>();
  let columns: LabColumns | undefined;
  let read: ReturnType<typeof labRowReader> | undefined;
  let headerError: DomainError | undefined;
  let rows = 0;
  let pending: LabRow[] = [];

  /** Checks a batch against its subjects and stages the valid rows. */
  const flush = async (batch: readonly LabRow[]): Promise<void> => {
    const unknown = [...new Set(batch.map((row) => row.subject))].filter((n) => !subjects.has(n));
    if (subjects.size + unknown.length > SUBJECT_CACHE) subjects.clear();
    for (const s of await r.labImports.subjectsByNumber(studyId, unknown, randomizationVisit))
      subjects.set(s.screeningNumber, toSubject(s));
    for (const n of unknown) if (!subjects.has(n)) subjects.set(n, null);
    const staged: StagedResult[] = [];
    for (const row of batch) {
      let subject = subjects.get(row.subject) ?? undefined;
      // A caller limited to some sites sees the others' subjects as unknown.
      if (subject && sites && !sites.includes(subject.siteId)) subject = undefined;
      const outcome = check(row, subject);
      if (!outcome.ok || !subject) {
        errors.add({ line: row.line, message: outcome.ok ? 'subject: unknown' : outcome.message });
        continue;
      }
      staged.push({
        line: row.line,
        subjectId: subject.id,
        siteId: subject.siteId,
        subject: row.subject,
        visit: row.visit,
        measure: row.measure,
        collectedOn: row.collectedOn,
        result: row.result,
        reported: row.reported,
        unit: row.unit,
        assay: row.assay,
        warnings: outcome.warnings.map((f) => ({ check: f.check, path: f.path, message: f.message })),
      });
    }
    await r.labImports.stage(staged);
  };
  // One batch is checked and staged while the next is read: the database and Node work at once. The
  // transaction's connection serves one query at a time, so a batch waits for the one before.
  let staging: Promise<void> | undefined;
  const stage = async (): Promise<void> => {
    const batch = pending;
    pending = [];
    if (staging) await staging;
    staging = flush(batch);
    staging.catch(() => undefined); // awaited below; meanwhile the rejection is not unhandled
  };

  try {
    for await (const item of csvRecords(source, hash)) {
      if (headerError) continue; // read on to the end, only to answer cleanly
      if (item.fields === null) {
        if (columns) {
          rows++;
          errors.add({ line: item.line, message: item.message });
        } else
          headerError = validationError(`The header row cannot be read: ${item.message}`, [
            { path: 'header', message: item.message },
          ]);
        continue;
      }
      if (!columns || !read) {
        try {
          columns = labColumns(item.fields);
          read = labRowReader(protocol, columns, { assay: options.assay });
        } catch (e) {
          headerError = e as DomainError;
        }
        continue;
      }
      rows++;
      const outcome = read(item.fields, item.line);
      if (!outcome.ok) errors.add({ line: item.line, message: outcome.message });
      else if (pending.push(outcome.row) >= BATCH_ROWS) await stage();
    }
    if (pending.length > 0) await stage();
    await staging;
  } finally {
    // On a failure, let the batch in flight end before the transaction rolls back.
    await staging?.catch(() => undefined);
  }
  if (headerError) throw headerError;
  if (!columns)
    throw validationError(
      `The file is empty: it needs a header row naming the columns ${LAB_CSV_COLUMNS.join(', ')} ` +
        `(optional: ${LAB_CSV_OPTIONAL_COLUMNS.join(', ')})`,
      [{ path: 'header', message: 'is missing' }],
    );
  return { sha256: hash.digest('hex'), rows, errors };
}
