import { rowImage, rowImages } from '../../core/audit/row-image.js';
import { sql, type Selectable } from 'kysely';
import type { ReportedResult } from '../../core/labs/result.js';
import type {
  FormsTable,
  QueriesTable,
  QueryMessagesTable,
  ResultKind,
  ResultsTable,
  SignaturesTable,
} from '../schema.js';
import { Repository } from './repository.js';

/** A subject as the import checks rows against it. */
export interface LabSubjectRecord {
  readonly id: string;
  readonly siteId: string;
  readonly screeningNumber: string;
  readonly status: 'screen_failed' | 'eligible' | 'randomized';
  readonly consentedOn: string;
  /** The recorded randomization visit's date, else the UTC day of the allocation; null if not randomized. */
  readonly day0: string | null;
  readonly electedPhases: readonly string[];
}

/** A valid row of the file, staged for the import. */
export interface StagedResult extends ReportedResult {
  readonly line: number;
  readonly subjectId: string;
  readonly siteId: string;
  readonly subject: string;
  /** Soft edit-check findings: each opens a query when the row is imported. */
  readonly warnings: readonly { readonly check: string; readonly path: string; readonly message: string }[];
}

/** The staged rows, classified against the file itself and the results already recorded. */
export interface StagedSummary {
  /** Rows whose result is not recorded yet. */
  readonly toInsert: number;
  /** Rows whose result is recorded exactly so. */
  readonly unchanged: number;
  /** Rows repeating an earlier line's data point, or differing from the recorded result. */
  readonly problems: number;
  /** Soft findings on rows to insert. */
  readonly warnings: number;
}

export type StagedProblem =
  | {
      readonly kind: 'duplicate';
      readonly line: number;
      readonly firstLine: number;
      readonly subject: string;
      readonly visit: string;
      readonly measure: string;
    }
  | {
      readonly kind: 'different';
      readonly line: number;
      readonly subject: string;
      readonly visit: string;
      readonly measure: string;
      readonly recorded: { reported: string; unit: string; collectedOn: string; source: string };
    };

export interface LabImportRecord {
  readonly id: string;
  readonly studyId: string;
  readonly fileName: string | null;
  readonly sha256: string;
  readonly rows: number;
  readonly inserted: number;
  readonly unchanged: number;
  readonly importedAt: Date;
  readonly importedBy: string | null;
  readonly importedByName: string | null;
}

/** What committing the staged rows did. */
export interface CommittedImport {
  readonly id: string;
  readonly inserted: number;
  readonly sdvReset: number;
  readonly signaturesInvalidated: number;
  readonly queriesOpened: number;
}

/** Results per `result.import` audit entry: the trail holds every imported value. */
const AUDIT_BATCH = 1000;
/** What each result of a `result.import` entry lists, in order. */
const RESULT_COLUMNS = [
  'line',
  'subject',
  'visit',
  'measure',
  'collectedOn',
  'reported',
  'unit',
  'kind',
  'value',
  'lloq',
  'assay',
] as const;

type StageRow = {
  line: number;
  subject: string;
  visit_code: string;
  measure_code: string;
  collected_on: string;
  kind: ResultKind;
  value: number | null;
  lloq: number | null;
  reported: string;
  reported_unit: string;
  assay: string | null;
};

/**
 * Central-lab imports, set-based so that large files stay fast on both engines: the file's valid rows
 * go to a temporary staging table in batches (classified against the recorded results as they
 * arrive), duplicates and conflicts are found there in SQL, and the import is a few
 * `insert … select` statements. The staging table lives for the transaction only.
 */
export class LabImportRepository extends Repository {
  async list(studyId: string): Promise<LabImportRecord[]> {
    const rows = await this.db
      .selectFrom('lab_imports as i')
      .leftJoin('users as u', 'u.id', 'i.imported_by')
      .select([
        'i.id',
        'i.study_id',
        'i.file_name',
        'i.file_sha256',
        'i.rows',
        'i.inserted',
        'i.unchanged',
        'i.imported_at',
        'i.imported_by',
        'u.username',
      ])
      .where('i.study_id', '=', studyId)
      .orderBy('i.imported_at', 'desc')
      .orderBy('i.id')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      studyId: r.study_id,
      fileName: r.file_name,
      sha256: r.file_sha256,
      rows: r.rows,
      inserted: r.inserted,
      unchanged: r.unchanged,
      importedAt: r.imported_at,
      importedBy: r.imported_by,
      importedByName: r.username,
    }));
  }

  /** The study's subjects with these screening numbers (others are unknown), with what the checks need. */
  async subjectsByNumber(
    studyId: string,
    numbers: readonly string[],
    randomizationVisit: string | null,
  ): Promise<LabSubjectRecord[]> {
    if (numbers.length === 0) return [];
    const { rows } = await sql<{
      id: string;
      site_id: string;
      screening_number: string;
      status: LabSubjectRecord['status'];
      consented_on: string;
      day0: string | null;
      phases: string[] | null;
    }>`
      select s.id, s.site_id, s.screening_number, s.status, s.consented_on,
        coalesce(
          (select v.visit_date from subject_visits v
            where v.subject_id = s.id and v.visit_code = ${randomizationVisit}),
          (a.allocated_at at time zone 'UTC')::date
        ) as day0,
        (select array_agg(x.phase_code order by x.phase_code) from reassignments x where x.subject_id = s.id) as phases
      from subjects s
      left join allocations a on a.subject_id = s.id
      where s.study_id = ${studyId} and s.screening_number = any(${sql.val([...numbers])}::text[])
    `.execute(this.db);
    return rows.map((r) => ({
      id: r.id,
      siteId: r.site_id,
      screeningNumber: r.screening_number,
      status: r.status,
      consentedOn: r.consented_on,
      day0: r.status === 'randomized' ? r.day0 : null,
      electedPhases: r.phases ?? [],
    }));
  }

  /** Creates the transaction's staging table. */
  async openStaging(): Promise<void> {
    await sql`
      create temporary table lab_stage (
        line integer primary key,
        subject_id uuid not null,
        site_id uuid not null,
        subject text not null,
        visit_code text not null,
        measure_code text not null,
        collected_on date not null,
        kind text not null,
        value double precision,
        lloq double precision,
        reported text not null,
        reported_unit text not null,
        assay text,
        warnings json,
        state text not null,
        existing_id uuid
      ) on commit drop
    `.execute(this.trx);
  }

  /** Stages a batch of valid rows, each classified new, unchanged or different from the recorded result. */
  async stage(rows: readonly StagedResult[]): Promise<void> {
    if (rows.length === 0) return;
    const batch = JSON.stringify(
      rows.map((r) => ({
        line: r.line,
        subject_id: r.subjectId,
        site_id: r.siteId,
        subject: r.subject,
        visit_code: r.visit,
        measure_code: r.measure,
        collected_on: r.collectedOn,
        kind: r.result.kind,
        value: r.result.kind === 'value' ? r.result.value : null,
        lloq: r.result.kind === 'value' ? null : r.result.lloq,
        reported: r.reported,
        reported_unit: r.unit,
        assay: r.assay,
        warnings: r.warnings.length > 0 ? r.warnings : null,
      })),
    );
    await sql`
      insert into lab_stage (line, subject_id, site_id, subject, visit_code, measure_code, collected_on, kind,
        value, lloq, reported, reported_unit, assay, warnings, state, existing_id)
      select b.line, b.subject_id, b.site_id, b.subject, b.visit_code, b.measure_code, b.collected_on, b.kind,
        b.value, b.lloq, b.reported, b.reported_unit, b.assay, b.warnings,
        case
          when r.id is null then 'new'
          when (r.kind, r.value, r.lloq, r.collected_on, r.reported, r.reported_unit, r.assay)
            is not distinct from (b.kind, b.value, b.lloq, b.collected_on, b.reported, b.reported_unit, b.assay)
            then 'unchanged'
          else 'different'
        end,
        r.id
      from json_to_recordset(${batch}::json) as b(line integer, subject_id uuid, site_id uuid, subject text,
        visit_code text, measure_code text, collected_on date, kind text, value double precision,
        lloq double precision, reported text, reported_unit text, assay text, warnings json)
      left join results r
        on r.subject_id = b.subject_id and r.visit_code = b.visit_code and r.measure_code = b.measure_code
    `.execute(this.trx);
  }

  async stagedSummary(): Promise<StagedSummary> {
    // The common case first: no data point twice in the file (a hash aggregate, no sort).
    const { rows: quick } = await sql<{
      new_rows: number;
      unchanged: number;
      different: number;
      warnings: number;
      repeated: number;
    }>`
      select
        count(*) filter (where state = 'new')::int as new_rows,
        count(*) filter (where state = 'unchanged')::int as unchanged,
        count(*) filter (where state = 'different')::int as different,
        coalesce(sum(json_array_length(warnings)) filter (where state = 'new'), 0)::int as warnings,
        (select count(*) from (
          select 1 from lab_stage group by subject_id, visit_code, measure_code having count(*) > 1
        ) d)::int as repeated
      from lab_stage
    `.execute(this.trx);
    const q = quick[0];
    if (q && Number(q.repeated) === 0)
      return {
        toInsert: Number(q.new_rows),
        unchanged: Number(q.unchanged),
        problems: Number(q.different),
        warnings: Number(q.warnings),
      };
    const { rows } = await sql<{ to_insert: number; unchanged: number; problems: number; warnings: number }>`
      select
        count(*) filter (where not dup and state = 'new')::int as to_insert,
        count(*) filter (where not dup and state = 'unchanged')::int as unchanged,
        count(*) filter (where dup or state = 'different')::int as problems,
        coalesce(sum(json_array_length(warnings)) filter (where not dup and state = 'new'), 0)::int as warnings
      from (
        select state, warnings,
          line <> min(line) over (partition by subject_id, visit_code, measure_code) as dup
        from lab_stage
      ) s
    `.execute(this.trx);
    const r = rows[0];
    return {
      toInsert: Number(r?.to_insert ?? 0),
      unchanged: Number(r?.unchanged ?? 0),
      problems: Number(r?.problems ?? 0),
      warnings: Number(r?.warnings ?? 0),
    };
  }

  /** The first `limit` problems, by line: repeated data points and conflicts with recorded results. */
  async stagedProblems(limit: number): Promise<StagedProblem[]> {
    const { rows } = await sql<{
      line: number;
      first_line: number;
      state: string;
      subject: string;
      visit_code: string;
      measure_code: string;
      reported: string | null;
      reported_unit: string | null;
      collected_on: string | null;
      source: string | null;
    }>`
      select s.line, s.first_line, s.state, s.subject, s.visit_code, s.measure_code,
        r.reported, r.reported_unit, r.collected_on, r.source
      from (
        select line, state, subject, visit_code, measure_code, existing_id,
          min(line) over (partition by subject_id, visit_code, measure_code) as first_line
        from lab_stage
      ) s
      left join results r on r.id = s.existing_id
      where s.line <> s.first_line or s.state = 'different'
      order by s.line
      limit ${limit}
    `.execute(this.trx);
    return rows.map((r) =>
      r.line !== r.first_line
        ? {
            kind: 'duplicate',
            line: r.line,
            firstLine: r.first_line,
            subject: r.subject,
            visit: r.visit_code,
            measure: r.measure_code,
          }
        : {
            kind: 'different',
            line: r.line,
            subject: r.subject,
            visit: r.visit_code,
            measure: r.measure_code,
            recorded: {
              reported: r.reported ?? '',
              unit: r.reported_unit ?? '',
              collectedOn: r.collected_on ?? '',
              source: r.source ?? '',
            },
          },
    );
  }

  /** The soft findings of the first rows to insert that have any, by line. */
  async stagedWarnings(limit: number): Promise<{ line: number; warnings: StagedResult['warnings'] }[]> {
    const { rows } = await sql<{ line: number; warnings: StagedResult['warnings'] }>`
      select line, warnings from lab_stage
      where state = 'new' and warnings is not null
      order by line
      limit ${limit}
    `.execute(this.trx);
    return rows;
  }

  /**
   * Imports the staged new rows (the caller has checked there are no problems): the import's record,
   * the results, every touched visit form changed (its verification cleared), the subjects' valid
   * signatures invalidated, a query for each soft finding; audited in the study's chain with one entry
   * per batch of results listing their values.
   */
  async commit(input: {
    readonly studyId: string;
    readonly fileName: string | null;
    readonly sha256: string;
    readonly rows: number;
    readonly toInsert: number;
    readonly unchanged: number;
    readonly userId: string | null;
  }): Promise<CommittedImport> {
    const { studyId } = input;
    const created = await this.trx
      .insertInto('lab_imports')
      .values({
        study_id: studyId,
        file_name: input.fileName,
        file_sha256: input.sha256,
        rows: input.rows,
        inserted: input.toInsert,
        unchanged: input.unchanged,
        imported_by: input.userId,
      })
      .returning(['id'])
      .executeTakeFirstOrThrow();
    const importId = created.id;

    const inserted = await sql`
      insert into results (study_id, subject_id, site_id, visit_code, measure_code, collected_on, kind, value,
        lloq, reported, reported_unit, assay, source, lab_import_id, created_by)
      select ${studyId}::uuid, subject_id, site_id, visit_code, measure_code, collected_on, kind, value,
        lloq, reported, reported_unit, assay, 'central_lab', ${importId}::uuid, ${input.userId}::uuid
      from lab_stage where state = 'new'
    `.execute(this.trx);
    const count = Number(inserted.numAffectedRows ?? 0);
    if (count !== input.toInsert)
      throw new Error(`lab import: ${count} results inserted, ${input.toInsert} expected`);

    // The forms touched, and the verifications the change clears (read before the upsert: one snapshot).
    const { rows: cleared } = await sql<{
      subject_id: string;
      form_key: string;
      sdv_at: Date;
      sdv_by: string | null;
    }>`
      with touched as (
        select distinct subject_id, site_id, 'visit:' || visit_code as form_key from lab_stage where state = 'new'
      ),
      verified as (
        select f.subject_id, f.form_key, f.sdv_at, f.sdv_by
        from forms f join touched t on t.subject_id = f.subject_id and t.form_key = f.form_key
        where f.sdv_at is not null
      ),
      changed as (
        insert into forms (study_id, subject_id, site_id, form_key)
        select ${studyId}::uuid, subject_id, site_id, form_key from touched
        on conflict (subject_id, form_key) do update set changed_at = now(), sdv_at = null, sdv_by = null
      )
      select * from verified order by subject_id, form_key
    `.execute(this.trx);

    const reason = `the casebook changed (central-lab import ${input.fileName ?? importId})`;
    const { rows: invalidated } = await sql<Selectable<SignaturesTable>>`
      update signatures set invalidated_at = now(), invalidated_reason = ${reason}
      where subject_id in (select subject_id from lab_stage where state = 'new') and invalidated_at is null
      returning *
    `.execute(this.trx);

    // A query for each soft finding, unless the same check has one open on the data point already.
    const { rows: queries } = await sql<Selectable<QueriesTable>>`
      with finding as (
        select s.subject_id, s.site_id, 'visit:' || s.visit_code as form_key, s.measure_code || '.' || w.path as field,
          w."check" as check_code, w.message as text, s.line
        from lab_stage s cross join lateral json_to_recordset(s.warnings) as w("check" text, path text, message text)
        where s.state = 'new' and s.warnings is not null
      ),
      opened as (
        insert into queries (study_id, subject_id, site_id, form_key, field, origin, check_code, status, text)
        select ${studyId}::uuid, f.subject_id, f.site_id, f.form_key, f.field, 'edit_check', f.check_code, 'open', f.text
        from finding f
        where not exists (
          select 1 from queries q
          where q.subject_id = f.subject_id and q.form_key = f.form_key and q.field = f.field
            and q.status <> 'closed' and q.check_code = f.check_code
        )
        order by f.line
        returning *
      ),
      messages as (
        insert into query_messages (query_id, kind, text, author_name, author_role)
        select id, 'open', text, 'edit check ' || check_code, 'system' from opened
      )
      select * from opened
    `.execute(this.trx);

    await this.audit({
      studyId,
      action: 'lab.import',
      entityType: 'lab_import',
      entityId: importId,
      newValue: {
        fileName: input.fileName,
        sha256: input.sha256,
        rows: input.rows,
        inserted: count,
        unchanged: input.unchanged,
        sdvReset: cleared.length,
        signaturesInvalidated: invalidated.length,
        queriesOpened: queries.length,
      },
    });
    await this.auditResults(studyId, importId);
    for (const f of cleared)
      await this.audit({
        studyId,
        action: 'sdv.reset',
        entityType: 'form',
        entityId: `${f.subject_id}/${f.form_key}`,
        oldValue: { subjectId: f.subject_id, form: f.form_key, sdvAt: f.sdv_at, sdvBy: f.sdv_by },
        newValue: { subjectId: f.subject_id, form: f.form_key, sdvAt: null },
        reason: 'the form’s data changed',
      });
    for (const s of invalidated)
      await this.audit({
        studyId,
        action: 'signature.invalidate',
        entityType: 'signature',
        entityId: s.id,
        oldValue: { subjectId: s.subject_id, signer: s.signer_name, signedAt: s.signed_at, valid: true },
        newValue: { subjectId: s.subject_id, valid: false },
        reason,
        rows: [rowImage('signatures', s)],
      });
    const messages = new Map<string, Selectable<QueryMessagesTable>>();
    if (queries.length > 0) {
      const { rows } = await sql<Selectable<QueryMessagesTable>>`
        select * from query_messages where query_id = any(${sql.val(queries.map((q) => q.id))}::uuid[])
      `.execute(this.trx);
      for (const m of rows) messages.set(m.query_id, m);
    }
    for (const q of queries) {
      const message = messages.get(q.id);
      await this.audit({
        studyId,
        action: 'query.open',
        entityType: 'query',
        entityId: q.id,
        newValue: {
          subjectId: q.subject_id,
          form: q.form_key,
          field: q.field,
          origin: 'edit_check',
          check: q.check_code,
          status: 'open',
          text: q.text,
        },
        rows: [rowImage('queries', q), ...(message ? [rowImage('query_messages', message)] : [])],
      });
    }
    return {
      id: importId,
      inserted: count,
      sdvReset: cleared.length,
      signaturesInvalidated: invalidated.length,
      queriesOpened: queries.length,
    };
  }

  /**
   * One `result.import` entry per block of AUDIT_BATCH lines of the file holding imported results,
   * listing every value. Blocks of lines, not pages of rows: a range of the staging table's key needs
   * no sort, and the table has no statistics for the planner to page it well.
   */
  private async auditResults(studyId: string, importId: string): Promise<void> {
    const { rows: span } = await sql<{ first: number | null; last: number | null }>`
      select min(line) as first, max(line) as last from lab_stage`.execute(this.trx);
    const first = Number(span[0]?.first ?? 0);
    const last = Number(span[0]?.last ?? -1);
    for (let from = first; from <= last; from += AUDIT_BATCH) {
      const { rows } = await sql<StageRow>`
        select line, subject, visit_code, measure_code, collected_on, kind, value, lloq,
          reported, reported_unit, assay
        from lab_stage where line >= ${from} and line < ${from + AUDIT_BATCH} and state = 'new'
        order by line
      `.execute(this.trx);
      if (rows.length === 0) continue;
      // The rows these lines wrote, as stored: the results and the forms they changed.
      const { rows: results } = await sql<Selectable<ResultsTable>>`
        select r.* from lab_stage s
        join results r on r.subject_id = s.subject_id and r.visit_code = s.visit_code
          and r.measure_code = s.measure_code and r.lab_import_id = ${importId}::uuid
        where s.line >= ${from} and s.line < ${from + AUDIT_BATCH} and s.state = 'new'
      `.execute(this.trx);
      const { rows: forms } = await sql<Selectable<FormsTable>>`
        select f.* from forms f
        where (f.subject_id, f.form_key) in (
          select distinct subject_id, 'visit:' || visit_code from lab_stage
          where line >= ${from} and line < ${from + AUDIT_BATCH} and state = 'new')
      `.execute(this.trx);
      await this.audit({
        studyId,
        action: 'result.import',
        entityType: 'lab_import',
        entityId: importId,
        // One array per result, in the order of `columns`: compact, for up to a thousand values an entry.
        newValue: {
          labImportId: importId,
          columns: RESULT_COLUMNS,
          results: rows.map((r) => [
            r.line,
            r.subject,
            r.visit_code,
            r.measure_code,
            r.collected_on,
            r.reported,
            r.reported_unit,
            r.kind,
            r.value,
            r.lloq,
            r.assay,
          ]),
        },
        rows: [...rowImages('results', results), ...rowImages('forms', forms)],
      });
    }
  }
}
