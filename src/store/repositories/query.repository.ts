import { rowImage } from '../../core/audit/row-image.js';
import type { Selectable } from 'kysely';
import type { QueriesTable, QueryMessagesTable, QueryStatus } from '../schema.js';
import type { SubjectRef } from './capture.repository.js';
import { Repository } from './repository.js';

export type QueryMessageKind = 'open' | 'answer' | 'reopen' | 'close';

export interface QueryMessage {
  readonly kind: QueryMessageKind;
  readonly text: string;
  readonly authorName: string;
  readonly authorRole: string;
  readonly at: Date;
}

export interface QueryRecord {
  readonly id: string;
  readonly studyId: string;
  readonly subjectId: string;
  readonly siteId: string;
  /** The form and field the query is raised on: 'visit:W12' / 'result.HCVRNA'. */
  readonly form: string;
  readonly field: string;
  readonly origin: 'manual' | 'edit_check';
  readonly check: string | null;
  readonly status: QueryStatus;
  readonly text: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface QueryFilter {
  readonly siteIds?: readonly string[] | undefined;
  readonly subjectId?: string | undefined;
  readonly status?: QueryStatus | undefined;
}

type Row = Selectable<QueriesTable>;
const toQuery = (r: Row): QueryRecord => ({
  id: r.id,
  studyId: r.study_id,
  subjectId: r.subject_id,
  siteId: r.site_id,
  form: r.form_key,
  field: r.field,
  origin: r.origin,
  check: r.check_code,
  status: r.status,
  text: r.text,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Queries on data points and their threads; every step is audited. */
export class QueryRepository extends Repository {
  async get(id: string): Promise<QueryRecord | undefined> {
    const row = await this.db.selectFrom('queries').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toQuery(row);
  }

  async getForUpdate(id: string): Promise<QueryRecord | undefined> {
    const row = await this.trx
      .selectFrom('queries')
      .selectAll()
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    return row && toQuery(row);
  }

  async list(studyId: string, filter: QueryFilter = {}): Promise<QueryRecord[]> {
    if (filter.siteIds && filter.siteIds.length === 0) return [];
    let q = this.db.selectFrom('queries').selectAll().where('study_id', '=', studyId);
    if (filter.siteIds) q = q.where('site_id', 'in', filter.siteIds);
    if (filter.subjectId) q = q.where('subject_id', '=', filter.subjectId);
    if (filter.status) q = q.where('status', '=', filter.status);
    return (await q.orderBy('created_at').orderBy('id').execute()).map(toQuery);
  }

  /** Open queries on one form and field (an edit check does not open a second one). */
  async openOn(subjectId: string, form: string, field: string): Promise<QueryRecord[]> {
    const rows = await this.db
      .selectFrom('queries')
      .selectAll()
      .where('subject_id', '=', subjectId)
      .where('form_key', '=', form)
      .where('field', '=', field)
      .where('status', '!=', 'closed')
      .execute();
    return rows.map(toQuery);
  }

  async messages(queryId: string): Promise<QueryMessage[]> {
    return (await this.messagesOf([queryId])).get(queryId) ?? [];
  }

  /** The threads of many queries in one read, oldest message first. */
  async messagesOf(queryIds: readonly string[]): Promise<Map<string, QueryMessage[]>> {
    const threads = new Map<string, QueryMessage[]>(queryIds.map((id) => [id, []]));
    if (queryIds.length === 0) return threads;
    const rows = await this.db
      .selectFrom('query_messages')
      .selectAll()
      .where('query_id', 'in', queryIds)
      .orderBy('at')
      .orderBy('id')
      .execute();
    for (const r of rows) threads.get(r.query_id)?.push(toMessage(r));
    return threads;
  }

  async open(
    subject: SubjectRef,
    input: {
      form: string;
      field: string;
      text: string;
      origin: 'manual' | 'edit_check';
      check: string | null;
    },
    author: { id: string | null; name: string; role: string },
  ): Promise<QueryRecord> {
    const row = await this.trx
      .insertInto('queries')
      .values({
        study_id: subject.studyId,
        subject_id: subject.id,
        site_id: subject.siteId,
        form_key: input.form,
        field: input.field,
        origin: input.origin,
        check_code: input.check,
        status: 'open',
        text: input.text,
        created_by: author.id,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const message = await this.addMessage(row.id, 'open', input.text, author);
    await this.audit({
      studyId: subject.studyId,
      action: 'query.open',
      entityType: 'query',
      entityId: row.id,
      newValue: {
        subjectId: subject.id,
        form: input.form,
        field: input.field,
        origin: input.origin,
        check: input.check,
        status: 'open',
        text: input.text,
      },
      rows: [rowImage('queries', row), rowImage('query_messages', message)],
    });
    return toQuery(row);
  }

  /** A step of the thread: the site's answer, the monitor's re-opening or closing. */
  async step(
    query: QueryRecord,
    kind: Exclude<QueryMessageKind, 'open'>,
    text: string,
    author: { id: string | null; name: string; role: string },
  ): Promise<QueryRecord> {
    const status: QueryStatus = kind === 'answer' ? 'answered' : kind === 'close' ? 'closed' : 'open';
    const row = await this.trx
      .updateTable('queries')
      .set({ status, updated_at: new Date() })
      .where('id', '=', query.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const message = await this.addMessage(query.id, kind, text, author);
    await this.audit({
      studyId: query.studyId,
      action: `query.${kind}`,
      entityType: 'query',
      entityId: query.id,
      oldValue: { status: query.status },
      newValue: { status, text },
      rows: [rowImage('queries', row), rowImage('query_messages', message)],
    });
    return toQuery(row);
  }

  private async addMessage(
    queryId: string,
    kind: QueryMessageKind,
    text: string,
    author: { id: string | null; name: string; role: string },
  ): Promise<Selectable<QueryMessagesTable>> {
    return this.trx
      .insertInto('query_messages')
      .values({
        query_id: queryId,
        kind,
        text,
        author_id: author.id,
        author_name: author.name,
        author_role: author.role,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }
}

const toMessage = (r: Selectable<QueryMessagesTable>): QueryMessage => ({
  kind: r.kind,
  text: r.text,
  authorName: r.author_name,
  authorRole: r.author_role,
  at: r.at,
});
