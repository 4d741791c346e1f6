import type { ReactNode } from 'react';
import type { AdverseEvent } from '../../../api/capture.js';
import type { Casebook } from '../../../api/casebook.js';
import { Badge } from '../../../components/page.js';
import { RELATEDNESS_LABELS, words } from './labels.js';
import { SdvControl } from './sdv-control.js';
import { TableWrap } from '../../../components/table-wrap.js';

/** The subject's adverse events, with each one's verification and, for the site, a change button. */
export function AdverseEventTable({
  casebook,
  canEnter,
  onChange,
  onChanged,
}: {
  readonly casebook: Casebook;
  readonly canEnter: boolean;
  readonly onChange: (ae: AdverseEvent) => void;
  readonly onChanged: () => Promise<void>;
}): ReactNode {
  const { subject, adverseEvents } = casebook;
  if (adverseEvents.length === 0) return <p className="muted">No adverse event is recorded.</p>;
  return (
    <TableWrap className="casebook-table" label="Adverse events table">
      <table>
        <caption className="visually-hidden">Adverse events</caption>
        <thead>
          <tr>
            <th scope="col" className="num">
              No.
            </th>
            <th scope="col">Term</th>
            <th scope="col">Dates</th>
            <th scope="col">Grade</th>
            <th scope="col">Relatedness</th>
            <th scope="col">Outcome and action</th>
            <th scope="col">SDV</th>
            {canEnter ? <th scope="col">Actions</th> : null}
          </tr>
        </thead>
        <tbody>
          {adverseEvents.map((ae) => (
            <tr key={ae.id}>
              <td className="num">{ae.number}</td>
              <th scope="row">
                {ae.verbatimTerm}
                {ae.codedTerm || ae.bodySystem ? (
                  <div className="muted">{[ae.codedTerm, ae.bodySystem].filter(Boolean).join(' · ')}</div>
                ) : null}
              </th>
              <td>
                {ae.onsetDate} to {ae.endDate ?? 'ongoing'}
              </td>
              <td>
                {ae.grade} {ae.serious ? <Badge tone="bad">Serious</Badge> : null}
              </td>
              <td>
                <ul className="checklist">
                  {Object.entries(ae.relatedness).map(([drug, r]) => (
                    <li key={drug}>
                      {drug}: {RELATEDNESS_LABELS[r] ?? r}
                    </li>
                  ))}
                </ul>
              </td>
              <td>
                {words(ae.outcome)}
                <div className="muted">Action: {words(ae.actionTaken)}</div>
              </td>
              <td>
                <SdvControl
                  subjectId={subject.id}
                  studyId={subject.studyId}
                  siteId={subject.siteId}
                  formKey={`ae:${ae.number}`}
                  formName={`adverse event ${ae.number}`}
                  forms={casebook.forms}
                  onChanged={onChanged}
                />
              </td>
              {canEnter ? (
                <td>
                  <button type="button" className="button-quiet" onClick={() => onChange(ae)}>
                    Change AE {ae.number}
                  </button>
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}
