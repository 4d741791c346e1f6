import { useMemo, useState, type ReactNode } from 'react';
import { STATUS_LABEL, statusTone, subjectsApi, type WorklistEntry } from '../../api/subjects.js';
import type { Subject } from '../../api/types.js';
import { Link } from '../../app/router.js';
import { useCan } from '../../app/session.js';
import { useStudy } from '../../app/study-context.js';
import { SelectField, TextField } from '../../components/fields.js';
import { ErrorNotice, Loading, Notice } from '../../components/notice.js';
import { Badge, Page } from '../../components/page.js';
import { useResource } from '../../components/use-resource.js';
import { Strata } from './shared/strata.js';
import { NextVisitText } from './worklist/next-visit.js';
import './subjects.css';
import { TableWrap } from '../../components/table-wrap.js';

type Sort = 'due' | 'number';

/**
 * Subjects with what is next for each: earliest next visit first, so the site sees the overdue and
 * due-now visits at the top. Subjects with no visit to plan come last, by screening number.
 */
function byDue(a: WorklistEntry, b: WorklistEntry): number {
  const da = a.nextVisit?.window.nominal;
  const db = b.nextVisit?.window.nominal;
  if (da !== db) {
    if (da === undefined) return 1;
    if (db === undefined) return -1;
    return da < db ? -1 : 1;
  }
  return a.screeningNumber.localeCompare(b.screeningNumber);
}

/** The site's worklist: every subject the user may read, with the next visit due and open queries. */
export function SubjectListPage({ params }: { readonly params: Record<string, string> }): ReactNode {
  const studyId = params.studyId ?? '';
  const { sites, siteName } = useStudy();
  const can = useCan();
  const worklist = useResource<WorklistEntry[]>(subjectsApi.worklistPath(studyId));
  const [site, setSite] = useState('');
  const [status, setStatus] = useState('');
  const [search, setSearch] = useState('');
  const [sort, setSort] = useState<Sort>('due');
  const readableSites = sites.filter((s) => can('subject.read', studyId, s.id));
  const canScreen = sites.some((s) => can('subject.screen', studyId, s.id));

  const rows = useMemo(() => {
    const needle = search.trim().toLowerCase();
    return (worklist.data ?? [])
      .filter((e) => (site ? e.siteId === site : true))
      .filter((e) => (status ? e.status === status : true))
      .filter((e) => (needle ? e.screeningNumber.toLowerCase().includes(needle) : true))
      .sort(sort === 'due' ? byDue : (a, b) => a.screeningNumber.localeCompare(b.screeningNumber));
  }, [worklist.data, site, status, search, sort]);

  const actions = canScreen ? (
    <Link className="button" to={`/studies/${studyId}/subjects/new`}>
      Screen a subject
    </Link>
  ) : null;

  return (
    <Page title="Subjects" actions={actions}>
      <ErrorNotice error={worklist.error} title="The subject list could not be loaded" />
      <div className="list-filters" role="search" aria-label="Filter the subjects">
        {readableSites.length > 1 ? (
          <SelectField
            label="Site"
            value={site}
            onChange={(e) => setSite(e.target.value)}
            placeholder="All sites"
            options={readableSites.map((s) => ({ value: s.id, label: siteName(s.id) }))}
          />
        ) : null}
        <SelectField
          label="Status"
          value={status}
          onChange={(e) => setStatus(e.target.value)}
          placeholder="All statuses"
          options={(Object.keys(STATUS_LABEL) as Subject['status'][]).map((s) => ({
            value: s,
            label: STATUS_LABEL[s],
          }))}
        />
        <TextField
          label="Screening number"
          type="search"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          placeholder="e.g. S1-S003"
        />
        <SelectField
          label="Sort by"
          value={sort}
          onChange={(e) => setSort(e.target.value as Sort)}
          options={[
            { value: 'due', label: 'Next visit due' },
            { value: 'number', label: 'Screening number' },
          ]}
        />
      </div>
      {worklist.data === undefined && !worklist.error ? <Loading what="the subjects" /> : null}
      {worklist.data?.length === 0 ? (
        <Notice>
          No subject has been screened yet
          {canScreen ? ': screen the first one with “Screen a subject”.' : '.'}
        </Notice>
      ) : null}
      {worklist.data && worklist.data.length > 0 ? (
        <WorklistTable
          rows={rows}
          total={worklist.data.length}
          studyId={studyId}
          // A user of one site knows where their subjects are: the column would only take room.
          siteName={readableSites.length > 1 ? siteName : null}
        />
      ) : null}
    </Page>
  );
}

function WorklistTable({
  rows,
  total,
  studyId,
  siteName,
}: {
  readonly rows: readonly WorklistEntry[];
  readonly total: number;
  readonly studyId: string;
  readonly siteName: ((id: string) => string) | null;
}): ReactNode {
  const columns = siteName ? 7 : 6;
  return (
    <TableWrap label="Subjects table">
      <table className="worklist">
        <caption>
          {rows.length === total ? `${total} subjects` : `${rows.length} of ${total} subjects`}
        </caption>
        <thead>
          <tr>
            <th scope="col">Screening number</th>
            {siteName ? <th scope="col">Site</th> : null}
            <th scope="col">Status</th>
            <th scope="col">Strata</th>
            <th scope="col" className="num">
              Randomization number
            </th>
            <th scope="col">Next visit due</th>
            <th scope="col" className="num">
              Open queries
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={columns}>No subject matches the filters.</td>
            </tr>
          ) : null}
          {rows.map((e) => (
            <tr key={e.id} className={e.nextVisit?.state === 'overdue' ? 'row-overdue' : undefined}>
              <th scope="row">
                <Link to={`/studies/${studyId}/subjects/${e.id}`}>{e.screeningNumber}</Link>
              </th>
              {siteName ? <td>{siteName(e.siteId)}</td> : null}
              <td>
                <Badge tone={statusTone(e.status)}>{STATUS_LABEL[e.status]}</Badge>
              </td>
              <td>
                <Strata levels={e.levels} />
              </td>
              <td className="num">
                {e.randomizationNumber ?? (
                  <>
                    <span aria-hidden="true">—</span>
                    <span className="visually-hidden">Not randomized</span>
                  </>
                )}
              </td>
              <td>
                <NextVisitText visit={e.nextVisit} />
              </td>
              <td className="num">
                {e.openQueries > 0 ? (
                  <Badge tone="warn">{e.openQueries}</Badge>
                ) : (
                  <span className="muted">0</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}
