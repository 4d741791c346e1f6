import { Fragment, useState, type ReactNode } from 'react';
import { queriesPath, type QueryStatus, type QueryThread } from '../../api/monitoring.js';
import { Link } from '../../app/router.js';
import { useCan } from '../../app/session.js';
import { useStudy } from '../../app/study-context.js';
import { SelectField } from '../../components/fields.js';
import { ErrorNotice, Loading, Notice } from '../../components/notice.js';
import { Page } from '../../components/page.js';
import { useResource } from '../../components/use-resource.js';
import { QueryDetail, QueryStatusBadge } from './query-detail.js';
import './monitoring.css';
import { TableWrap } from '../../components/table-wrap.js';

const STATUS_OPTIONS = [
  { value: 'open', label: 'Open' },
  { value: 'answered', label: 'Answered' },
  { value: 'closed', label: 'Closed' },
] as const;

const DAY = 86_400_000;
const ageInDays = (since: string): number => Math.max(0, Math.floor((Date.now() - Date.parse(since)) / DAY));

/**
 * The study's queries (site roles: their sites, as the server decides), filtered by status and site on
 * the server. A query's thread opens inline.
 */
export function QueriesPage(_props: { readonly params: Record<string, string> }): ReactNode {
  const { study, sites, siteName } = useStudy();
  const can = useCan();
  const [status, setStatus] = useState<QueryStatus | ''>('open');
  const [siteId, setSiteId] = useState('');
  const [openId, setOpenId] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const list = useResource<QueryThread[]>(queriesPath(study.id, status || undefined, siteId || undefined));
  const shown = list.data ?? [];
  return (
    <Page title="Queries">
      <div className="filters" role="search" aria-label="Filter queries">
        <SelectField
          label="Status"
          value={status}
          onChange={(e) => setStatus(e.target.value as QueryStatus | '')}
          options={STATUS_OPTIONS}
          placeholder="Any status"
        />
        <SelectField
          label="Site"
          value={siteId}
          onChange={(e) => setSiteId(e.target.value)}
          options={sites
            .filter((s) => can('query.read', study.id, s.id))
            .map((s) => ({ value: s.id, label: siteName(s.id) }))}
          placeholder="All sites"
        />
      </div>
      {done ? <Notice kind="success">{done}</Notice> : null}
      <ErrorNotice error={list.error} title="The queries could not be loaded" />
      {list.data === undefined ? (
        list.error ? null : (
          <Loading what="the queries" />
        )
      ) : shown.length === 0 ? (
        <p>No query matches these filters.</p>
      ) : (
        <TableWrap className="wrap-heads" label="Queries table">
          <table>
            <caption>
              {shown.length} {shown.length === 1 ? 'query' : 'queries'}
            </caption>
            <thead>
              <tr>
                <th scope="col">Subject</th>
                <th scope="col">Site</th>
                <th scope="col">Form / field</th>
                <th scope="col">Status</th>
                <th scope="col" className="num">
                  Age (days)
                </th>
                <th scope="col">Last message</th>
                <th scope="col">
                  <span className="visually-hidden">Thread</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.map((q) => {
                const open = openId === q.id;
                const last = q.messages.at(-1);
                return (
                  <Fragment key={q.id}>
                    <tr className={open ? 'row-open' : undefined}>
                      <th scope="row">
                        <Link to={`/studies/${study.id}/subjects/${q.subjectId}`}>{q.screeningNumber}</Link>
                      </th>
                      <td>{siteName(q.siteId)}</td>
                      <td>
                        <code>{q.form}</code> / <code>{q.field}</code>
                      </td>
                      <td>
                        <QueryStatusBadge status={q.status} />
                      </td>
                      <td className="num">{ageInDays(q.createdAt)}</td>
                      <td>{last ? `${last.authorName}: ${last.text}` : q.text}</td>
                      <td>
                        <button
                          type="button"
                          className="button-quiet"
                          aria-expanded={open}
                          aria-controls={`query-${q.id}`}
                          onClick={() => {
                            setDone(null);
                            setOpenId(open ? null : q.id);
                          }}
                        >
                          {open ? 'Hide thread' : 'Open thread'}
                          <span className="visually-hidden"> of {q.screeningNumber}</span>
                        </button>
                      </td>
                    </tr>
                    {open ? (
                      <tr className="detail-row">
                        <td colSpan={7} id={`query-${q.id}`}>
                          <QueryDetail
                            queryId={q.id}
                            onChanged={async (message) => {
                              setDone(message);
                              await list.reload();
                            }}
                          />
                        </td>
                      </tr>
                    ) : null}
                  </Fragment>
                );
              })}
            </tbody>
          </table>
        </TableWrap>
      )}
    </Page>
  );
}
