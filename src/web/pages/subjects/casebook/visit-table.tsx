import type { ReactNode } from 'react';
import type { Result, ScheduledVisit } from '../../../api/capture.js';
import type { Casebook } from '../../../api/casebook.js';
import type { StudyDetail } from '../../../api/types.js';
import { Badge } from '../../../components/page.js';
import { log10Text, resultText } from './labels.js';
import { SdvControl } from './sdv-control.js';
import { TableWrap } from '../../../components/table-wrap.js';

/** What the row's buttons open. */
export type VisitEdit =
  | { readonly kind: 'visit'; readonly visit: string }
  | { readonly kind: 'result'; readonly visit: string; readonly measure: string };

function Timing({ visit }: { readonly visit: ScheduledVisit }): ReactNode {
  if (visit.date === null) return <span className="muted">Not recorded</span>;
  const off = visit.daysOutOfWindow;
  if (off === null) return <span className="muted">No day 0 yet</span>;
  if (off === 0) return <Badge tone="good">In window</Badge>;
  const days = Math.abs(off) === 1 ? '1 day' : `${Math.abs(off)} days`;
  return <Badge tone="warn">{off < 0 ? `${days} early` : `${days} late`}</Badge>;
}

/** The visit schedule: target dates and windows, what is recorded, results with their log10, SDV. */
export function VisitTable({
  protocol,
  casebook,
  canEnter,
  onEdit,
  onChanged,
}: {
  readonly protocol: StudyDetail['protocol'];
  readonly casebook: Casebook;
  readonly canEnter: boolean;
  readonly onEdit: (edit: VisitEdit) => void;
  readonly onChanged: () => Promise<void>;
}): ReactNode {
  const { subject } = casebook;
  const elected = new Set(casebook.elections.map((e) => e.phase));
  const unitOf = (code: string): string => protocol.measures.find((m) => m.code === code)?.unit ?? '';
  // Visits of a phase the subject has to elect (the extension) take data only once elected.
  const open = (v: ScheduledVisit): boolean =>
    !protocol.phases.find((p) => p.code === v.phase)?.election || elected.has(v.phase);
  return (
    <TableWrap className="casebook-table" label="Visit schedule table">
      <table>
        <caption className="visually-hidden">Visit schedule with windows, results and verification</caption>
        <thead>
          <tr>
            <th scope="col">Visit</th>
            <th scope="col">Target and window</th>
            <th scope="col">Visit date</th>
            <th scope="col">Timing</th>
            <th scope="col">Result</th>
            <th scope="col" className="num">
              log10
            </th>
            <th scope="col">SDV</th>
            {canEnter ? <th scope="col">Actions</th> : null}
          </tr>
        </thead>
        <tbody>
          {casebook.schedule.map((v) => {
            const results: Result[] = casebook.results.filter((r) => r.visitCode === v.visit);
            const measures = protocol.visits.find((x) => x.code === v.visit)?.measures ?? [];
            return (
              <tr key={v.visit}>
                <th scope="row">
                  {v.label} <span className="muted">({v.visit})</span>
                </th>
                <td>
                  {v.window ? (
                    <>
                      <span className="date">{v.window.nominal}</span>
                      <br />
                      <span className="muted">
                        {v.window.earliest === v.window.latest ? (
                          'that day'
                        ) : (
                          <>
                            <span className="date">{v.window.earliest}</span> to{' '}
                            <span className="date">{v.window.latest}</span>
                          </>
                        )}
                      </span>
                    </>
                  ) : (
                    <span className="muted">After randomization</span>
                  )}
                </td>
                <td className="date">{v.date ?? '—'}</td>
                <td>
                  <Timing visit={v} />
                </td>
                <td>
                  {results.length === 0 ? <span className="muted">—</span> : null}
                  {results.map((r) => (
                    <div key={r.id}>
                      {measures.length > 1 ? `${r.measure}: ` : ''}
                      {resultText(r.result, unitOf(r.measure))}
                      {r.source === 'central_lab' ? <span className="muted"> (central lab)</span> : null}
                    </div>
                  ))}
                </td>
                <td className="num">
                  {results.map((r) => (
                    <div key={r.id}>{log10Text(r.result)}</div>
                  ))}
                </td>
                <td>
                  <SdvControl
                    subjectId={subject.id}
                    studyId={subject.studyId}
                    siteId={subject.siteId}
                    formKey={`visit:${v.visit}`}
                    formName={`${v.label} visit`}
                    forms={casebook.forms}
                    onChanged={onChanged}
                  />
                </td>
                {canEnter ? (
                  <td>
                    {open(v) ? (
                      <div className="casebook-actions">
                        <button
                          type="button"
                          className="button-quiet"
                          onClick={() => onEdit({ kind: 'visit', visit: v.visit })}
                        >
                          {v.date === null ? `Record ${v.visit} visit` : `Change ${v.visit} date`}
                        </button>
                        {measures.map((m) => (
                          <button
                            key={m}
                            type="button"
                            className="button-quiet"
                            onClick={() => onEdit({ kind: 'result', visit: v.visit, measure: m })}
                          >
                            {results.some((r) => r.measure === m) ? 'Change' : 'Record'} {v.visit}{' '}
                            {measures.length > 1 ? m : 'result'}
                          </button>
                        ))}
                      </div>
                    ) : (
                      <span className="muted">Not elected</span>
                    )}
                  </td>
                ) : null}
              </tr>
            );
          })}
        </tbody>
      </table>
    </TableWrap>
  );
}
