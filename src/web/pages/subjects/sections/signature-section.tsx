import { useCallback, useState, type ReactNode } from 'react';
import { useCan } from '../../../app/session.js';
import { useStudy } from '../../../app/study-context.js';
import { Notice } from '../../../components/notice.js';
import { SdvReview } from '../casebook/sdv-review.js';
import { SignatureForm } from '../casebook/signature-form.js';
import { SignatureStatus } from '../casebook/signature-status.js';
import type { SubjectSectionProps } from './section.js';
import '../casebook/casebook.css';

/**
 * The review of the casebook: source-data verification of every form (the monitor's), then the
 * investigator's signature, which any later change to the casebook invalidates.
 */
export function SignatureSection({ subject, casebook, reload }: SubjectSectionProps): ReactNode {
  const { study } = useStudy();
  const can = useCan();
  const [signing, setSigning] = useState(false);
  const [justSigned, setJustSigned] = useState(false);
  const maySign =
    can('casebook.sign', subject.studyId, subject.siteId) &&
    subject.status !== 'screen_failed' &&
    casebook.forms.length > 0 &&
    casebook.signature === null;
  const signed = useCallback(async () => {
    setSigning(false);
    setJustSigned(true);
    await reload();
  }, [reload]);
  return (
    <>
      <section aria-labelledby="sdv-section-title" className="panel">
        <h2 id="sdv-section-title">Source-data verification</h2>
        <SdvReview protocol={study.protocol} casebook={casebook} onChanged={reload} />
      </section>
      <section aria-labelledby="signature-section-title" className="panel">
        <h2 id="signature-section-title">Investigator signature</h2>
        {justSigned && casebook.signature ? <Notice kind="success">The casebook is signed.</Notice> : null}
        <SignatureStatus casebook={casebook} />
        {maySign && !signing ? (
          <div className="button-row">
            <button
              type="button"
              onClick={() => {
                setJustSigned(false);
                setSigning(true);
              }}
            >
              Sign the casebook…
            </button>
          </div>
        ) : null}
        {maySign && signing ? (
          <SignatureForm subjectId={subject.id} onSigned={signed} onCancel={() => setSigning(false)} />
        ) : null}
      </section>
    </>
  );
}
