import { useMemo, type ReactNode } from 'react';
import type { Casebook } from '../../../api/casebook.js';
import type { StudyDetail } from '../../../api/types.js';
import { formLabel, timeText } from './labels.js';
import { SdvControl } from './sdv-control.js';
import { TableWrap } from '../../../components/table-wrap.js';

/**
 * Every form of the casebook with its source-data verification, dispositions included: the monitor's
 * checklist before the investigator signs.
 */
export function SdvReview({
  protocol,
  casebook,
  onChanged,
}: {
  readonly protocol: StudyDetail['protocol'];
  readonly casebook: Casebook;
  readonly onChanged: () => Promise<void>;
}): ReactNode {
  const { subject, forms } = casebook;
  const aeTerms = useMemo(
    () => new Map(casebook.adverseEvents.map((ae) => [ae.number, ae.verbatimTerm])),
    [casebook.adverseEvents],
  );
  if (forms.length === 0) return <p className="muted">No form holds data yet.</p>;
  const verified = forms.filter((f) => f.sdvAt !== null).length;
  return (
    <>
      <p>
        {verified} of {forms.length} form(s) verified.
      </p>
      <TableWrap className="casebook-table" label="Source-data verification table">
        <table>
          <caption className="visually-hidden">Source-data verification by form</caption>
          <thead>
            <tr>
              <th scope="col">Form</th>
              <th scope="col">Last changed</th>
              <th scope="col">Verification</th>
            </tr>
          </thead>
          <tbody>
            {forms.map((f) => {
              const label = formLabel(protocol, f.formKey, aeTerms);
              return (
                <tr key={f.formKey}>
                  <th scope="row">{label}</th>
                  <td>{timeText(f.changedAt)}</td>
                  <td>
                    <SdvControl
                      subjectId={subject.id}
                      studyId={subject.studyId}
                      siteId={subject.siteId}
                      formKey={f.formKey}
                      formName={label}
                      forms={forms}
                      onChanged={onChanged}
                    />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </TableWrap>
    </>
  );
}
