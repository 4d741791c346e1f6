import { rowImage } from '../../core/audit/row-image.js';
import type { EligibilityResult } from '../../core/eligibility/evaluate.js';
import { Repository } from './repository.js';

export type SubjectStatus = 'screen_failed' | 'eligible' | 'randomized';

export interface SubjectRecord {
  readonly id: string;
  readonly studyId: string;
  readonly siteId: string;
  readonly screeningNumber: string;
  readonly status: SubjectStatus;
  readonly protocolVersion: number;
  readonly answers: Readonly<Record<string, unknown>>;
  readonly eligibility: EligibilityResult;
  readonly levels: Readonly<Record<string, string>>;
  /** The date of informed consent, YYYY-MM-DD. */
  readonly consentedOn: string;
  readonly createdAt: Date;
}

/** A subject without the screening answers and eligibility. */
export type SubjectSummary = Pick<
  SubjectRecord,
  'id' | 'studyId' | 'siteId' | 'screeningNumber' | 'status' | 'levels' | 'consentedOn'
>;

type Row = {
  id: string;
  study_id: string;
  site_id: string;
  screening_number: string;
  status: SubjectStatus;
  protocol_version: number;
  answers: unknown;
  eligibility: unknown;
  levels: Record<string, string>;
  consented_on: string;
  created_at: Date;
};

const toSubject = (r: Row): SubjectRecord => ({
  id: r.id,
  studyId: r.study_id,
  siteId: r.site_id,
  screeningNumber: r.screening_number,
  status: r.status,
  protocolVersion: r.protocol_version,
  answers: r.answers as Record<string, unknown>,
  eligibility: r.eligibility as EligibilityResult,
  levels: r.levels,
  consentedOn: r.consented_on,
  createdAt: r.created_at,
});

export class SubjectRepository extends Repository {
  async get(id: string): Promise<SubjectRecord | undefined> {
    const row = await this.db.selectFrom('subjects').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toSubject(row);
  }

  /** Locks the subject's row for the rest of the transaction. */
  async getForUpdate(id: string): Promise<SubjectRecord | undefined> {
    const row = await this.trx
      .selectFrom('subjects')
      .selectAll()
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    return row && toSubject(row);
  }

  async list(studyId: string, siteIds?: readonly string[]): Promise<SubjectRecord[]> {
    if (siteIds && siteIds.length === 0) return [];
    let q = this.db.selectFrom('subjects').selectAll().where('study_id', '=', studyId);
    if (siteIds) q = q.where('site_id', 'in', siteIds);
    return (await q.orderBy('screening_number').execute()).map(toSubject);
  }

  /** The subjects of a study without their screening answers and eligibility (for study-wide reads). */
  async summaries(studyId: string): Promise<SubjectSummary[]> {
    const rows = await this.db
      .selectFrom('subjects')
      .select(['id', 'study_id', 'site_id', 'screening_number', 'status', 'levels', 'consented_on'])
      .where('study_id', '=', studyId)
      .orderBy('screening_number')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      studyId: r.study_id,
      siteId: r.site_id,
      screeningNumber: r.screening_number,
      status: r.status,
      levels: r.levels,
      consentedOn: r.consented_on,
    }));
  }

  /** Subjects screened at the site so far (for the next screening number). */
  async countAtSite(studyId: string, siteId: string): Promise<number> {
    const r = await this.db
      .selectFrom('subjects')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('study_id', '=', studyId)
      .where('site_id', '=', siteId)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async create(input: {
    studyId: string;
    siteId: string;
    screeningNumber: string;
    status: SubjectStatus;
    protocolVersion: number;
    answers: Readonly<Record<string, unknown>>;
    eligibility: EligibilityResult;
    levels: Readonly<Record<string, string>>;
    consentedOn: string;
    createdBy: string | null;
  }): Promise<SubjectRecord> {
    const row = await this.trx
      .insertInto('subjects')
      .values({
        study_id: input.studyId,
        site_id: input.siteId,
        screening_number: input.screeningNumber,
        status: input.status,
        protocol_version: input.protocolVersion,
        answers: JSON.stringify(input.answers),
        eligibility: JSON.stringify(input.eligibility),
        levels: JSON.stringify(input.levels),
        consented_on: input.consentedOn,
        created_by: input.createdBy,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const subject = toSubject(row);
    await this.audit({
      studyId: input.studyId,
      action: 'subject.screen',
      entityType: 'subject',
      entityId: subject.id,
      newValue: {
        screeningNumber: subject.screeningNumber,
        siteId: subject.siteId,
        status: subject.status,
        consentedOn: subject.consentedOn,
        answers: subject.answers,
        eligibility: subject.eligibility,
      },
      rows: [rowImage('subjects', row)],
    });
    return subject;
  }

  async setStatus(
    subject: SubjectRecord,
    status: SubjectStatus,
    levels?: Readonly<Record<string, string>>,
  ): Promise<void> {
    const row = await this.trx
      .updateTable('subjects')
      .set({ status, ...(levels ? { levels: JSON.stringify(levels) } : {}) })
      .where('id', '=', subject.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await this.audit({
      studyId: subject.studyId,
      action: 'subject.status',
      entityType: 'subject',
      entityId: subject.id,
      oldValue: { status: subject.status },
      newValue: { status, ...(levels ? { levels } : {}) },
      rows: [rowImage('subjects', row)],
    });
  }
}
