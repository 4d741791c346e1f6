import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { capture, type QueryThread } from '../../../api/capture.js';
import { useCan } from '../../../app/session.js';
import { useStudy } from '../../../app/study-context.js';
import { ErrorNotice, Loading } from '../../../components/notice.js';
import { useResource } from '../../../components/use-resource.js';
import { QueryItem } from '../casebook/query-item.js';
import { QueryOpenForm } from '../casebook/query-open-form.js';
import type { SubjectSectionProps } from './section.js';
import '../casebook/casebook.css';

/**
 * The subject's queries with their threads: the monitor raises and closes or re-opens them, the site
 * answers. Closed ones stay listed, folded, as the record of what was asked.
 */
export function QueriesSection({ subject, casebook, reload }: SubjectSectionProps): ReactNode {
  const { study } = useStudy();
  const can = useCan();
  const mayRead = can('query.read', subject.studyId, subject.siteId);
  const queries = useResource<QueryThread[]>(
    mayRead ? capture.queriesPath(subject.studyId, subject.id) : null,
  );
  const [raising, setRaising] = useState(false);
  const aeTerms = useMemo(
    () => new Map(casebook.adverseEvents.map((ae) => [ae.number, ae.verbatimTerm])),
    [casebook.adverseEvents],
  );
  const { reload: reloadQueries } = queries;
  // A step changes the casebook's count of open queries too.
  const refresh = useCallback(async () => {
    await Promise.all([reloadQueries(), reload()]);
  }, [reloadQueries, reload]);
  const opened = useCallback(async () => {
    setRaising(false);
    await refresh();
  }, [refresh]);
  // A save elsewhere on the page may open queries (soft edit checks): the casebook's count of open
  // queries moves, and the list follows it.
  const seenCount = useRef(casebook.openQueries);
  useEffect(() => {
    if (seenCount.current === casebook.openQueries || !mayRead) return;
    seenCount.current = casebook.openQueries;
    void reloadQueries();
  }, [casebook.openQueries, mayRead, reloadQueries]);
  const list = queries.data ?? [];
  const active = list.filter((q) => q.status !== 'closed');
  const closed = list.filter((q) => q.status === 'closed');
  const item = (q: QueryThread): ReactNode => (
    <li key={q.id}>
      <QueryItem protocol={study.protocol} query={q} aeTerms={aeTerms} onStep={refresh} />
    </li>
  );
  return (
    <section aria-labelledby="queries-section-title" className="panel">
      <h2 id="queries-section-title">Queries</h2>
      {!mayRead ? <p className="muted">{casebook.openQueries} query(ies) not closed.</p> : null}
      <ErrorNotice error={queries.error} title="The queries could not be loaded" />
      {mayRead && !queries.data && !queries.error ? <Loading what="the queries" /> : null}
      {queries.data && list.length === 0 ? <p className="muted">No query on this subject.</p> : null}
      {active.length > 0 ? <ul className="query-list">{active.map(item)}</ul> : null}
      {closed.length > 0 ? (
        <details>
          <summary>Closed queries ({closed.length})</summary>
          <ul className="query-list">{closed.map(item)}</ul>
        </details>
      ) : null}
      {can('query.open', subject.studyId, subject.siteId) ? (
        raising ? (
          <QueryOpenForm
            protocol={study.protocol}
            casebook={casebook}
            onOpened={opened}
            onCancel={() => setRaising(false)}
          />
        ) : (
          <div className="button-row">
            <button type="button" onClick={() => setRaising(true)} disabled={casebook.forms.length === 0}>
              Raise a query
            </button>
          </div>
        )
      ) : null}
    </section>
  );
}
