import { fieldsOfForm } from '../../core/capture/vocabulary.js';
import { conflict, notFound, validationError } from '../../core/errors.js';
import type { QueryMessage, QueryRecord } from '../../store/repositories/query.repository.js';
import type { Store } from '../../store/store.js';
import { authorize, sitesAllowing, type Caller } from '../caller.js';
import { currentProtocol, ensureOpen } from '../subjects/subject.service.js';
import type { OpenQueryInput, QueryListInput, QueryStepInput } from './capture.schemas.js';

const PAST = { answer: 'answered', close: 'closed', reopen: 'reopened' } as const;

export interface QueryThread extends QueryRecord {
  readonly screeningNumber: string;
  readonly messages: readonly QueryMessage[];
}

/**
 * Queries on data points: the monitor (or data manager) opens one, the site answers, the monitor
 * closes it or re-opens it with a further question. Soft edit checks open queries too. Every step is
 * audited with its text.
 */
export class QueryService {
  constructor(private readonly store: Store) {}

  async open(caller: Caller, subjectId: string, input: OpenQueryInput): Promise<QueryThread> {
    const subject = await this.store.read((r) => r.subjects.get(subjectId));
    if (!subject) throw notFound('Subject', subjectId);
    const actor = authorize(caller, 'query.open', { studyId: subject.studyId, siteId: subject.siteId });
    const query = await this.store.write(actor, async (r) => {
      const { protocol, status } = await currentProtocol(r, subject.studyId, { forWrite: true });
      ensureOpen(status);
      const fields = fieldsOfForm(protocol, input.form);
      if (!fields)
        throw validationError(`${input.form} is not a form of this study`, [
          { path: 'form', message: 'not a form of the protocol' },
        ]);
      if (!(await r.capture.form(subject.id, input.form)))
        throw notFound('Form', `${input.form} of ${subject.screeningNumber} (no data is recorded on it)`);
      if (!fields.includes(input.field))
        throw validationError(`${input.field} is not a field of ${input.form}`, [
          { path: 'field', message: `not a field of the form (known: ${fields.join(', ')})` },
        ]);
      return r.queries.open(
        { id: subject.id, studyId: subject.studyId, siteId: subject.siteId },
        { form: input.form, field: input.field, text: input.text, origin: 'manual', check: null },
        { id: caller.userId, name: caller.displayName, role: actor.role },
      );
    });
    return this.thread(query, subject.screeningNumber);
  }

  /** The site's answer; the query waits for the monitor. */
  answer(caller: Caller, queryId: string, input: QueryStepInput): Promise<QueryThread> {
    return this.step(caller, queryId, 'answer', input.text);
  }

  /** The monitor closes an answered (or still open) query. */
  close(caller: Caller, queryId: string, input: QueryStepInput): Promise<QueryThread> {
    return this.step(caller, queryId, 'close', input.text);
  }

  /** The monitor is not satisfied with the answer: the query is open again with a further question. */
  reopen(caller: Caller, queryId: string, input: QueryStepInput): Promise<QueryThread> {
    return this.step(caller, queryId, 'reopen', input.text);
  }

  private async step(
    caller: Caller,
    queryId: string,
    kind: 'answer' | 'close' | 'reopen',
    text: string,
  ): Promise<QueryThread> {
    const found = await this.store.read((r) => r.queries.get(queryId));
    if (!found) throw notFound('Query', queryId);
    const action = kind === 'answer' ? 'query.answer' : 'query.close';
    const actor = authorize(caller, action, { studyId: found.studyId, siteId: found.siteId });
    const query = await this.store.write(actor, async (r) => {
      ensureOpen((await currentProtocol(r, found.studyId, { forWrite: true })).status);
      const q = await r.queries.getForUpdate(queryId);
      if (!q) throw notFound('Query', queryId);
      const allowed = { answer: ['open'], close: ['open', 'answered'], reopen: ['answered'] }[kind];
      if (!allowed.includes(q.status))
        throw conflict(`The query is ${q.status}: it cannot be ${PAST[kind]}`, { status: q.status });
      return r.queries.step(q, kind, text, { id: caller.userId, name: caller.displayName, role: actor.role });
    });
    const subject = await this.store.read((r) => r.subjects.get(query.subjectId));
    return this.thread(query, subject?.screeningNumber ?? '');
  }

  /** The study's queries the caller may see (site roles: their sites), newest last. */
  async list(caller: Caller, studyId: string, filter: QueryListInput = {}): Promise<QueryThread[]> {
    const sites = sitesAllowing(caller, 'query.read', studyId);
    return this.store.read(async (r) => {
      if (!(await r.studies.get(studyId))) throw notFound('Study', studyId);
      const { siteId, ...rest } = filter;
      // One site asked for: only if the caller may read it (else nothing, not an error).
      const siteIds = siteId ? (sites === null || sites.includes(siteId) ? [siteId] : []) : sites;
      const queries = await r.queries.list(studyId, { siteIds: siteIds ?? undefined, ...rest });
      const numbers = new Map(
        (await r.subjects.list(studyId, sites ?? undefined)).map((s) => [s.id, s.screeningNumber]),
      );
      const threads = await r.queries.messagesOf(queries.map((q) => q.id));
      return queries.map((q) => ({
        ...q,
        screeningNumber: numbers.get(q.subjectId) ?? '',
        messages: threads.get(q.id) ?? [],
      }));
    });
  }

  async get(caller: Caller, queryId: string): Promise<QueryThread> {
    const query = await this.store.read((r) => r.queries.get(queryId));
    if (!query) throw notFound('Query', queryId);
    authorize(caller, 'query.read', { studyId: query.studyId, siteId: query.siteId });
    const subject = await this.store.read((r) => r.subjects.get(query.subjectId));
    return this.thread(query, subject?.screeningNumber ?? '');
  }

  private async thread(query: QueryRecord, screeningNumber: string): Promise<QueryThread> {
    return {
      ...query,
      screeningNumber,
      messages: await this.store.read((r) => r.queries.messages(query.id)),
    };
  }
}
