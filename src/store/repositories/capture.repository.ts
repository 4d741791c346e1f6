import { rowImage } from '../../core/audit/row-image.js';
import { sql } from 'kysely';
import type { MeasureResult } from '../../core/labs/result.js';
import type { Selectable } from 'kysely';
import type {
  AdverseEventsTable,
  DispositionsTable,
  FormsTable,
  ResultKind,
  ResultsTable,
  SignaturesTable,
} from '../schema.js';
import { Repository } from './repository.js';

/** The subject a captured record belongs to (what every write needs for its audit entry). */
export interface SubjectRef {
  readonly id: string;
  readonly studyId: string;
  readonly siteId: string;
}

export interface VisitRecord {
  readonly id: string;
  readonly subjectId: string;
  readonly siteId: string;
  readonly visitCode: string;
  readonly visitDate: string;
}

export interface ResultRecord {
  readonly id: string;
  readonly subjectId: string;
  readonly siteId: string;
  readonly visitCode: string;
  readonly measure: string;
  readonly collectedOn: string;
  readonly result: MeasureResult;
  /** As reported: `2400000`, `<15`, `TND`. */
  readonly reported: string;
  readonly reportedUnit: string;
  readonly assay: string | null;
  readonly source: 'site' | 'central_lab';
  readonly labImportId: string | null;
}

export interface AdverseEventData {
  readonly verbatimTerm: string;
  readonly codedTerm: string | null;
  readonly bodySystem: string | null;
  readonly grade: number;
  readonly serious: boolean;
  readonly relatedness: Readonly<Record<string, string>>;
  readonly onsetDate: string;
  readonly endDate: string | null;
  readonly outcome: string;
  readonly actionTaken: string;
}

export interface AdverseEventRecord extends AdverseEventData {
  readonly id: string;
  readonly subjectId: string;
  readonly siteId: string;
  readonly number: number;
}

export interface DispositionData {
  readonly status: 'completed' | 'discontinued';
  readonly date: string;
  readonly reason: string | null;
  readonly relatedDrug: string | null;
  readonly detail: string | null;
}

export interface DispositionRecord extends DispositionData {
  readonly id: string;
  readonly subjectId: string;
  readonly siteId: string;
  readonly phase: string;
}

export interface FormRecord {
  readonly subjectId: string;
  readonly siteId: string;
  readonly formKey: string;
  readonly changedAt: Date;
  readonly sdvAt: Date | null;
  readonly sdvBy: string | null;
}

export interface SignatureRecord {
  readonly id: string;
  readonly subjectId: string;
  readonly signedBy: string;
  readonly signerName: string;
  readonly meaning: string;
  readonly statement: string;
  readonly signedAt: Date;
  readonly invalidatedAt: Date | null;
  readonly invalidatedReason: string | null;
}

/** A result as the analysis reads it. */
export interface StudyResult {
  readonly subjectId: string;
  readonly visitCode: string;
  readonly measure: string;
  readonly collectedOn: string;
  readonly result: MeasureResult;
}

/** The columns of a result, from its parsed form. */
export interface ResultData {
  readonly collectedOn: string;
  readonly result: MeasureResult;
  readonly reported: string;
  readonly reportedUnit: string;
  readonly assay: string | null;
}

const resultOf = (kind: ResultKind, value: number | null, lloq: number | null): MeasureResult =>
  kind === 'value'
    ? { kind, value: value as number }
    : kind === 'below_lloq'
      ? { kind, lloq: lloq as number }
      : { kind, lloq };

const visitColumns = ['id', 'subject_id', 'site_id', 'visit_code', 'visit_date'] as const;
const toVisit = (r: {
  id: string;
  subject_id: string;
  site_id: string;
  visit_code: string;
  visit_date: string;
}): VisitRecord => ({
  id: r.id,
  subjectId: r.subject_id,
  siteId: r.site_id,
  visitCode: r.visit_code,
  visitDate: r.visit_date,
});

type ResultRow = Selectable<ResultsTable>;
const toResult = (r: ResultRow): ResultRecord => ({
  id: r.id,
  subjectId: r.subject_id,
  siteId: r.site_id,
  visitCode: r.visit_code,
  measure: r.measure_code,
  collectedOn: r.collected_on,
  result: resultOf(r.kind, r.value, r.lloq),
  reported: r.reported,
  reportedUnit: r.reported_unit,
  assay: r.assay,
  source: r.source,
  labImportId: r.lab_import_id,
});

/** A result as the audit trail records it. */
export const resultAuditValue = (d: ResultData & { visitCode: string; measure: string }) => ({
  visit: d.visitCode,
  measure: d.measure,
  collectedOn: d.collectedOn,
  reported: d.reported,
  unit: d.reportedUnit,
  ...d.result,
  assay: d.assay,
});

type AeRow = Selectable<AdverseEventsTable>;
const toAe = (r: AeRow): AdverseEventRecord => ({
  id: r.id,
  subjectId: r.subject_id,
  siteId: r.site_id,
  number: r.ae_number,
  verbatimTerm: r.verbatim_term,
  codedTerm: r.coded_term,
  bodySystem: r.body_system,
  grade: r.grade,
  serious: r.serious,
  relatedness: r.relatedness,
  onsetDate: r.onset_date,
  endDate: r.end_date,
  outcome: r.outcome,
  actionTaken: r.action_taken,
});
const aeColumns = (d: AdverseEventData) => ({
  verbatim_term: d.verbatimTerm,
  coded_term: d.codedTerm,
  body_system: d.bodySystem,
  grade: d.grade,
  serious: d.serious,
  relatedness: JSON.stringify(d.relatedness),
  onset_date: d.onsetDate,
  end_date: d.endDate,
  outcome: d.outcome,
  action_taken: d.actionTaken,
});
/** The data fields of an adverse event (without its ids and number). */
export const aeData = (a: AdverseEventData): AdverseEventData => ({
  verbatimTerm: a.verbatimTerm,
  codedTerm: a.codedTerm,
  bodySystem: a.bodySystem,
  grade: a.grade,
  serious: a.serious,
  relatedness: a.relatedness,
  onsetDate: a.onsetDate,
  endDate: a.endDate,
  outcome: a.outcome,
  actionTaken: a.actionTaken,
});

type DispositionRow = Selectable<DispositionsTable>;
const toDisposition = (r: DispositionRow): DispositionRecord => ({
  id: r.id,
  subjectId: r.subject_id,
  siteId: r.site_id,
  phase: r.phase_code,
  status: r.status,
  date: r.disposition_date,
  reason: r.reason,
  relatedDrug: r.related_drug,
  detail: r.detail,
});
/** The data fields of a disposition (without its ids and phase). */
export const dispositionData = (d: DispositionData): DispositionData => ({
  status: d.status,
  date: d.date,
  reason: d.reason,
  relatedDrug: d.relatedDrug,
  detail: d.detail,
});

type SignatureRow = Selectable<SignaturesTable>;
const toSignature = (r: SignatureRow): SignatureRecord => ({
  id: r.id,
  subjectId: r.subject_id,
  signedBy: r.signed_by,
  signerName: r.signer_name,
  meaning: r.meaning,
  statement: r.statement,
  signedAt: r.signed_at,
  invalidatedAt: r.invalidated_at,
  invalidatedReason: r.invalidated_reason,
});

/** Visits, results, adverse events, dispositions, forms (with SDV) and signatures of subjects. */
export class CaptureRepository extends Repository {
  /**
   * In one round trip, what the visit rules and edit checks need: when the subject was randomized
   * (null if not), the recorded date of the randomization visit, and the phases they elected.
   */
  async subjectState(
    subjectId: string,
    randomizationVisit: string,
  ): Promise<{ allocatedAt: Date | null; day0Visit: string | null; electedPhases: string[] }> {
    const { rows } = await sql<{ allocated_at: Date | null; day0_visit: string | null; phases: string[] }>`
      select
        (select allocated_at from allocations where subject_id = ${subjectId}) as allocated_at,
        (select visit_date from subject_visits
          where subject_id = ${subjectId} and visit_code = ${randomizationVisit}) as day0_visit,
        (select coalesce(jsonb_agg(phase_code), '[]'::jsonb) from reassignments
          where subject_id = ${subjectId}) as phases`.execute(this.db);
    const row = rows[0];
    return {
      allocatedAt: row?.allocated_at ?? null,
      day0Visit: row?.day0_visit ?? null,
      electedPhases: row?.phases ?? [],
    };
  }

  // ---- visits ----

  async visits(subjectId: string): Promise<VisitRecord[]> {
    const rows = await this.db
      .selectFrom('subject_visits')
      .select(visitColumns)
      .where('subject_id', '=', subjectId)
      .orderBy('visit_date')
      .execute();
    return rows.map(toVisit);
  }

  /** Every recorded visit of a study in one query, by subject then date. */
  async visitsOfStudy(studyId: string): Promise<VisitRecord[]> {
    const rows = await this.db
      .selectFrom('subject_visits')
      .select(visitColumns)
      .where('study_id', '=', studyId)
      .orderBy('subject_id')
      .orderBy('visit_date')
      .execute();
    return rows.map(toVisit);
  }

  /** Records a visit's date, or changes it (old and new value audited). */
  async saveVisit(
    subject: SubjectRef,
    visitCode: string,
    visitDate: string,
    userId: string | null,
    existing: VisitRecord | undefined,
  ): Promise<VisitRecord> {
    const row = existing
      ? await this.trx
          .updateTable('subject_visits')
          .set({ visit_date: visitDate, updated_at: new Date(), updated_by: userId })
          .where('id', '=', existing.id)
          .returningAll()
          .executeTakeFirstOrThrow()
      : await this.trx
          .insertInto('subject_visits')
          .values({
            study_id: subject.studyId,
            subject_id: subject.id,
            site_id: subject.siteId,
            visit_code: visitCode,
            visit_date: visitDate,
            created_by: userId,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
    await this.audit({
      studyId: subject.studyId,
      action: existing ? 'visit.update' : 'visit.create',
      entityType: 'visit',
      entityId: row.id,
      oldValue: existing ? { subjectId: subject.id, visit: visitCode, visitDate: existing.visitDate } : null,
      newValue: { subjectId: subject.id, visit: visitCode, visitDate },
      rows: [rowImage('subject_visits', row)],
    });
    return { id: row.id, subjectId: subject.id, siteId: subject.siteId, visitCode, visitDate };
  }

  // ---- results ----

  async results(subjectId: string): Promise<ResultRecord[]> {
    const rows = await this.db
      .selectFrom('results')
      .selectAll()
      .where('subject_id', '=', subjectId)
      .orderBy('collected_on')
      .orderBy('measure_code')
      .execute();
    return rows.map(toResult);
  }

  /**
   * Every result of a study for one measure, with only what the analysis reads (a study's results can
   * be many: no audit columns, no Dates to build).
   */
  async resultsOfStudy(studyId: string, measure: string): Promise<StudyResult[]> {
    const rows = await this.db
      .selectFrom('results')
      .select(['subject_id', 'visit_code', 'measure_code', 'collected_on', 'kind', 'value', 'lloq'])
      .where('study_id', '=', studyId)
      .where('measure_code', '=', measure)
      .execute();
    return rows.map((r) => ({
      subjectId: r.subject_id,
      visitCode: r.visit_code,
      measure: r.measure_code,
      collectedOn: r.collected_on,
      result: resultOf(r.kind, r.value, r.lloq),
    }));
  }

  async result(subjectId: string, visitCode: string, measure: string): Promise<ResultRecord | undefined> {
    const row = await this.db
      .selectFrom('results')
      .selectAll()
      .where('subject_id', '=', subjectId)
      .where('visit_code', '=', visitCode)
      .where('measure_code', '=', measure)
      .executeTakeFirst();
    return row && toResult(row);
  }

  async resultById(id: string): Promise<ResultRecord | undefined> {
    const row = await this.db.selectFrom('results').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toResult(row);
  }

  async insertResult(
    subject: SubjectRef,
    input: ResultData & { visitCode: string; measure: string; source: 'site' | 'central_lab' },
    userId: string | null,
  ): Promise<ResultRecord> {
    const row = await this.trx
      .insertInto('results')
      .values({
        study_id: subject.studyId,
        subject_id: subject.id,
        site_id: subject.siteId,
        visit_code: input.visitCode,
        measure_code: input.measure,
        ...resultColumns(input),
        source: input.source,
        created_by: userId,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await this.audit({
      studyId: subject.studyId,
      action: 'result.create',
      entityType: 'result',
      entityId: row.id,
      newValue: { subjectId: subject.id, ...resultAuditValue(input) },
      rows: [rowImage('results', row)],
    });
    return toResult(row);
  }

  async updateResult(existing: ResultRecord, studyId: string, input: ResultData, userId: string | null) {
    const row = await this.trx
      .updateTable('results')
      .set({ ...resultColumns(input), updated_at: new Date(), updated_by: userId })
      .where('id', '=', existing.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await this.audit({
      studyId,
      action: 'result.update',
      entityType: 'result',
      entityId: existing.id,
      oldValue: { subjectId: existing.subjectId, ...resultAuditValue(existing) },
      newValue: { subjectId: existing.subjectId, ...resultAuditValue({ ...existing, ...input }) },
      rows: [rowImage('results', row)],
    });
    return toResult(row);
  }

  // ---- adverse events ----

  async adverseEvents(subjectId: string): Promise<AdverseEventRecord[]> {
    const rows = await this.db
      .selectFrom('adverse_events')
      .selectAll()
      .where('subject_id', '=', subjectId)
      .orderBy('ae_number')
      .execute();
    return rows.map(toAe);
  }

  async adverseEventsOfStudy(studyId: string): Promise<AdverseEventRecord[]> {
    const rows = await this.db
      .selectFrom('adverse_events')
      .selectAll()
      .where('study_id', '=', studyId)
      .orderBy('subject_id')
      .orderBy('ae_number')
      .execute();
    return rows.map(toAe);
  }

  async adverseEvent(id: string): Promise<(AdverseEventRecord & { studyId: string }) | undefined> {
    const row = await this.db
      .selectFrom('adverse_events')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && { ...toAe(row), studyId: row.study_id };
  }

  /** Adds an adverse event as the subject's next number (the subject row is locked by the caller). */
  async insertAdverseEvent(
    subject: SubjectRef,
    data: AdverseEventData,
    userId: string | null,
  ): Promise<AdverseEventRecord> {
    const last = await this.trx
      .selectFrom('adverse_events')
      .select((eb) => eb.fn.max('ae_number').as('n'))
      .where('subject_id', '=', subject.id)
      .executeTakeFirst();
    const number = Number(last?.n ?? 0) + 1;
    const row = await this.trx
      .insertInto('adverse_events')
      .values({
        study_id: subject.studyId,
        subject_id: subject.id,
        site_id: subject.siteId,
        ae_number: number,
        ...aeColumns(data),
        created_by: userId,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await this.audit({
      studyId: subject.studyId,
      action: 'adverse_event.create',
      entityType: 'adverse_event',
      entityId: row.id,
      newValue: { subjectId: subject.id, number, ...aeData(data) },
      rows: [rowImage('adverse_events', row)],
    });
    return toAe(row);
  }

  async updateAdverseEvent(
    existing: AdverseEventRecord,
    studyId: string,
    data: AdverseEventData,
    userId: string | null,
  ): Promise<AdverseEventRecord> {
    const row = await this.trx
      .updateTable('adverse_events')
      .set({ ...aeColumns(data), updated_at: new Date(), updated_by: userId })
      .where('id', '=', existing.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await this.audit({
      studyId,
      action: 'adverse_event.update',
      entityType: 'adverse_event',
      entityId: existing.id,
      oldValue: { subjectId: existing.subjectId, number: existing.number, ...aeData(existing) },
      newValue: { subjectId: existing.subjectId, number: existing.number, ...aeData(data) },
      rows: [rowImage('adverse_events', row)],
    });
    return toAe(row);
  }

  // ---- dispositions ----

  async dispositions(subjectId: string): Promise<DispositionRecord[]> {
    const rows = await this.db
      .selectFrom('dispositions')
      .selectAll()
      .where('subject_id', '=', subjectId)
      .orderBy('disposition_date')
      .execute();
    return rows.map(toDisposition);
  }

  async dispositionsOfStudy(studyId: string): Promise<DispositionRecord[]> {
    const rows = await this.db
      .selectFrom('dispositions')
      .selectAll()
      .where('study_id', '=', studyId)
      .orderBy('subject_id')
      .execute();
    return rows.map(toDisposition);
  }

  async saveDisposition(
    subject: SubjectRef,
    phase: string,
    data: DispositionData,
    userId: string | null,
    existing: DispositionRecord | undefined,
  ): Promise<DispositionRecord> {
    const columns = {
      status: data.status,
      disposition_date: data.date,
      reason: data.reason,
      related_drug: data.relatedDrug,
      detail: data.detail,
    };
    const row = existing
      ? await this.trx
          .updateTable('dispositions')
          .set({ ...columns, updated_at: new Date(), updated_by: userId })
          .where('id', '=', existing.id)
          .returningAll()
          .executeTakeFirstOrThrow()
      : await this.trx
          .insertInto('dispositions')
          .values({
            study_id: subject.studyId,
            subject_id: subject.id,
            site_id: subject.siteId,
            phase_code: phase,
            ...columns,
            created_by: userId,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
    await this.audit({
      studyId: subject.studyId,
      action: existing ? 'disposition.update' : 'disposition.create',
      entityType: 'disposition',
      entityId: row.id,
      oldValue: existing ? { subjectId: subject.id, phase, ...dispositionData(existing) } : null,
      newValue: { subjectId: subject.id, phase, ...dispositionData(data) },
      rows: [rowImage('dispositions', row)],
    });
    return toDisposition(row);
  }

  // ---- forms and source-data verification ----

  async forms(subjectId: string): Promise<FormRecord[]> {
    const rows = await this.db
      .selectFrom('forms')
      .selectAll()
      .where('subject_id', '=', subjectId)
      .orderBy('form_key')
      .execute();
    return rows.map(toForm);
  }

  async formsOfStudy(studyId: string, siteIds?: readonly string[]): Promise<FormRecord[]> {
    if (siteIds && siteIds.length === 0) return [];
    let q = this.db.selectFrom('forms').selectAll().where('study_id', '=', studyId);
    if (siteIds) q = q.where('site_id', 'in', siteIds);
    return (await q.orderBy('subject_id').orderBy('form_key').execute()).map(toForm);
  }

  /**
   * Notes that a form's data changed: its source-data verification, if any, is cleared (audited).
   * Returns whether a verification was cleared.
   */
  async formChanged(subject: SubjectRef, formKey: string): Promise<boolean> {
    const before = await this.trx
      .selectFrom('forms')
      .select(['sdv_at', 'sdv_by'])
      .where('subject_id', '=', subject.id)
      .where('form_key', '=', formKey)
      .forUpdate()
      .executeTakeFirst();
    const form = await this.trx
      .insertInto('forms')
      .values({
        study_id: subject.studyId,
        subject_id: subject.id,
        site_id: subject.siteId,
        form_key: formKey,
      })
      .onConflict((oc) =>
        oc
          .columns(['subject_id', 'form_key'])
          .doUpdateSet({ changed_at: new Date(), sdv_at: null, sdv_by: null }),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
    const rows = [rowImage('forms', form)];
    // An unverified form's new change time goes with the entry of the change that caused it.
    if (!before?.sdv_at) {
      this.touch(subject.studyId, rows);
      return false;
    }
    await this.audit({
      studyId: subject.studyId,
      action: 'sdv.reset',
      entityType: 'form',
      entityId: `${subject.id}/${formKey}`,
      oldValue: { subjectId: subject.id, form: formKey, sdvAt: before.sdv_at, sdvBy: before.sdv_by },
      newValue: { subjectId: subject.id, form: formKey, sdvAt: null },
      reason: 'the form’s data changed',
      rows,
    });
    return true;
  }

  async form(subjectId: string, formKey: string): Promise<FormRecord | undefined> {
    const row = await this.db
      .selectFrom('forms')
      .selectAll()
      .where('subject_id', '=', subjectId)
      .where('form_key', '=', formKey)
      .executeTakeFirst();
    return row && toForm(row);
  }

  async setSdv(subject: SubjectRef, formKey: string, userId: string, verified: boolean): Promise<FormRecord> {
    const row = await this.trx
      .updateTable('forms')
      .set(verified ? { sdv_at: new Date(), sdv_by: userId } : { sdv_at: null, sdv_by: null })
      .where('subject_id', '=', subject.id)
      .where('form_key', '=', formKey)
      .returningAll()
      .executeTakeFirstOrThrow();
    await this.audit({
      studyId: subject.studyId,
      action: verified ? 'sdv.verify' : 'sdv.unverify',
      entityType: 'form',
      entityId: `${subject.id}/${formKey}`,
      newValue: { subjectId: subject.id, form: formKey, verified },
      rows: [rowImage('forms', row)],
    });
    return toForm(row);
  }

  // ---- signatures ----

  async signatures(subjectId: string): Promise<SignatureRecord[]> {
    const rows = await this.db
      .selectFrom('signatures')
      .selectAll()
      .where('subject_id', '=', subjectId)
      .orderBy('signed_at')
      .execute();
    return rows.map(toSignature);
  }

  async sign(
    subject: SubjectRef,
    input: { signedBy: string; signerName: string; meaning: string; statement: string },
  ): Promise<SignatureRecord> {
    const row = await this.trx
      .insertInto('signatures')
      .values({
        study_id: subject.studyId,
        subject_id: subject.id,
        site_id: subject.siteId,
        signed_by: input.signedBy,
        signer_name: input.signerName,
        meaning: input.meaning,
        statement: input.statement,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await this.audit({
      studyId: subject.studyId,
      action: 'signature.sign',
      entityType: 'signature',
      entityId: row.id,
      newValue: {
        subjectId: subject.id,
        signer: input.signerName,
        meaning: input.meaning,
        statement: input.statement,
      },
      rows: [rowImage('signatures', row)],
    });
    return toSignature(row);
  }

  /** Invalidates the subject's valid signatures (a later change to the casebook); audited. */
  async invalidateSignatures(subject: SubjectRef, reason: string): Promise<number> {
    const rows = await this.trx
      .updateTable('signatures')
      .set({ invalidated_at: new Date(), invalidated_reason: reason })
      .where('subject_id', '=', subject.id)
      .where('invalidated_at', 'is', null)
      .returningAll()
      .execute();
    for (const row of rows)
      await this.audit({
        studyId: subject.studyId,
        action: 'signature.invalidate',
        entityType: 'signature',
        entityId: row.id,
        oldValue: { subjectId: subject.id, signer: row.signer_name, signedAt: row.signed_at, valid: true },
        newValue: { subjectId: subject.id, valid: false },
        reason,
        rows: [rowImage('signatures', row)],
      });
    return rows.length;
  }
}

const resultColumns = (d: ResultData) => ({
  collected_on: d.collectedOn,
  kind: d.result.kind,
  value: d.result.kind === 'value' ? d.result.value : null,
  lloq: d.result.kind === 'value' ? null : d.result.lloq,
  reported: d.reported,
  reported_unit: d.reportedUnit,
  assay: d.assay,
});

type FormRow = Selectable<FormsTable>;
const toForm = (r: FormRow): FormRecord => ({
  subjectId: r.subject_id,
  siteId: r.site_id,
  formKey: r.form_key,
  changedAt: r.changed_at,
  sdvAt: r.sdv_at,
  sdvBy: r.sdv_by,
});
