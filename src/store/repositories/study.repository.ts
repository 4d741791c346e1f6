import { sql } from 'kysely';
import { Repository } from './repository.js';

export interface StudyRecord {
  readonly id: string;
  readonly code: string;
  readonly title: string;
  readonly status: string;
  readonly currentVersion: number;
  readonly createdAt: Date;
}

export interface ProtocolVersionRecord {
  readonly studyId: string;
  readonly version: number;
  readonly protocol: unknown;
  readonly sourceSha256: string;
  readonly reason: string | null;
  readonly createdAt: Date;
  readonly createdBy: string | null;
}

const studyColumns = ['id', 'code', 'title', 'status', 'current_version', 'created_at'] as const;
type StudyRow = {
  id: string;
  code: string;
  title: string;
  status: string;
  current_version: number;
  created_at: Date;
};
const toStudy = (r: StudyRow): StudyRecord => ({
  id: r.id,
  code: r.code,
  title: r.title,
  status: r.status,
  currentVersion: r.current_version,
  createdAt: r.created_at,
});

export class StudyRepository extends Repository {
  async list(ids?: readonly string[]): Promise<StudyRecord[]> {
    if (ids && ids.length === 0) return [];
    let q = this.db.selectFrom('studies').select(studyColumns).orderBy('code');
    if (ids) q = q.where('id', 'in', ids);
    return (await q.execute()).map(toStudy);
  }

  async get(id: string): Promise<StudyRecord | undefined> {
    const row = await this.db
      .selectFrom('studies')
      .select(studyColumns)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toStudy(row);
  }

  /**
   * The study, with its row share-locked for the rest of the transaction: a data write holds this, so
   * a database lock (which takes the row for update) waits for it and no write slips in after a lock.
   */
  async getForWrite(id: string): Promise<StudyRecord | undefined> {
    const row = await this.trx
      .selectFrom('studies')
      .select(studyColumns)
      .where('id', '=', id)
      .forKeyShare()
      .executeTakeFirst();
    return row && toStudy(row);
  }

  /**
   * Locks or unlocks the study database; waits for the data writes in flight. Returns null, writing
   * nothing, when the study already has that status (decided under the row lock, so of two
   * simultaneous locks one wins).
   */
  async setStatus(
    study: StudyRecord,
    status: 'active' | 'locked',
    reason: string | null,
  ): Promise<StudyRecord | null> {
    const current = await this.trx
      .selectFrom('studies')
      .select(['status'])
      .where('id', '=', study.id)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (current.status === status) return null;
    const row = await this.trx
      .updateTable('studies')
      .set({ status })
      .where('id', '=', study.id)
      .returning(studyColumns)
      .executeTakeFirstOrThrow();
    await this.audit({
      studyId: study.id,
      action: status === 'locked' ? 'study.lock' : 'study.unlock',
      entityType: 'study',
      entityId: study.id,
      oldValue: { status: current.status },
      newValue: { status },
      reason,
    });
    return toStudy(row);
  }

  async getByCode(code: string): Promise<StudyRecord | undefined> {
    const row = await this.db
      .selectFrom('studies')
      .select(studyColumns)
      .where('code', '=', code)
      .executeTakeFirst();
    return row && toStudy(row);
  }

  async versions(studyId: string): Promise<ProtocolVersionRecord[]> {
    const rows = await this.db
      .selectFrom('protocol_versions')
      .selectAll()
      .where('study_id', '=', studyId)
      .orderBy('version')
      .execute();
    return rows.map((r) => ({
      studyId: r.study_id,
      version: r.version,
      protocol: r.protocol,
      sourceSha256: r.source_sha256,
      reason: r.reason,
      createdAt: r.created_at,
      createdBy: r.created_by,
    }));
  }

  async version(studyId: string, version: number): Promise<ProtocolVersionRecord | undefined> {
    return (await this.versions(studyId)).find((v) => v.version === version);
  }

  async create(input: {
    code: string;
    title: string;
    protocol: unknown;
    sourceSha256: string;
    createdBy: string | null;
  }): Promise<StudyRecord> {
    const row = await this.trx
      .insertInto('studies')
      .values({ code: input.code, title: input.title, created_by: input.createdBy })
      .returning(studyColumns)
      .executeTakeFirstOrThrow();
    await this.trx
      .insertInto('protocol_versions')
      .values({
        study_id: row.id,
        version: 1,
        protocol: JSON.stringify(input.protocol),
        source_sha256: input.sourceSha256,
        reason: null,
        created_by: input.createdBy,
      })
      .execute();
    await this.audit({
      studyId: row.id,
      action: 'study.create',
      entityType: 'study',
      entityId: row.id,
      newValue: {
        code: input.code,
        title: input.title,
        version: 1,
        sourceSha256: input.sourceSha256,
        protocol: input.protocol,
      },
    });
    return toStudy(row);
  }

  /** Adds protocol version n+1 and makes it current; version n stays as it was. */
  async amend(input: {
    study: StudyRecord;
    title: string;
    protocol: unknown;
    sourceSha256: string;
    reason: string;
    createdBy: string | null;
  }): Promise<StudyRecord> {
    // Lock the study row so two amendments cannot both claim version n+1.
    const current = await this.trx
      .selectFrom('studies')
      .select(['current_version'])
      .where('id', '=', input.study.id)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const version = current.current_version + 1;
    await this.trx
      .insertInto('protocol_versions')
      .values({
        study_id: input.study.id,
        version,
        protocol: JSON.stringify(input.protocol),
        source_sha256: input.sourceSha256,
        reason: input.reason,
        created_by: input.createdBy,
      })
      .execute();
    const row = await this.trx
      .updateTable('studies')
      .set({ current_version: version, title: input.title })
      .where('id', '=', input.study.id)
      .returning(studyColumns)
      .executeTakeFirstOrThrow();
    await this.audit({
      studyId: input.study.id,
      action: 'study.amend',
      entityType: 'study',
      entityId: input.study.id,
      oldValue: { version: current.current_version, title: input.study.title },
      newValue: { version, title: input.title, sourceSha256: input.sourceSha256, protocol: input.protocol },
      reason: input.reason,
    });
    return toStudy(row);
  }

  /** Number of studies, for start-up checks. */
  async count(): Promise<number> {
    const r = await this.db
      .selectFrom('studies')
      .select(sql<number>`count(*)::int`.as('n'))
      .executeTakeFirstOrThrow();
    return r.n;
  }
}
