import { useCallback, useState, type ReactNode } from 'react';
import { capture, type CasebookForm } from '../../../api/capture.js';
import { useCan } from '../../../app/session.js';
import { Badge } from '../../../components/page.js';
import { useSubmit } from '../../../components/use-submit.js';

/**
 * A form's source-data verification: its state for everyone who reads the casebook, and for the
 * monitor a "Verified" checkbox. Any later change to the form clears it on the server.
 */
export function SdvControl({
  subjectId,
  studyId,
  siteId,
  formKey,
  formName,
  forms,
  onChanged,
}: {
  readonly subjectId: string;
  readonly studyId: string;
  readonly siteId: string;
  readonly formKey: string;
  /** Names the form for screen readers: several checkboxes share the visible word "Verified". */
  readonly formName: string;
  readonly forms: readonly CasebookForm[];
  readonly onChanged: () => Promise<void>;
}): ReactNode {
  const can = useCan();
  const form = forms.find((f) => f.formKey === formKey);
  // What the monitor just asked for, shown while the server confirms it (then the casebook says).
  const [pending, setPending] = useState<boolean | null>(null);
  const verify = useSubmit(
    useCallback(
      async (verified: boolean) => {
        setPending(verified);
        try {
          await capture.verifySource(subjectId, formKey, verified);
          await onChanged();
        } finally {
          setPending(null);
        }
      },
      [subjectId, formKey, onChanged],
    ),
  );
  // No data recorded yet: there is no form to verify.
  if (!form) return <span className="muted">No data</span>;
  const verified = form.sdvAt !== null;
  const state = verified ? (
    <Badge tone="good">Verified {form.sdvAt?.slice(0, 10)}</Badge>
  ) : (
    <Badge tone="neutral">Not verified</Badge>
  );
  if (!can('sdv.verify', studyId, siteId)) return state;
  return (
    <div className="sdv-control">
      <label>
        <input
          type="checkbox"
          checked={pending ?? verified}
          disabled={verify.busy}
          aria-busy={verify.busy}
          onChange={(e) => void verify.submit(e.currentTarget.checked)}
        />{' '}
        Verified<span className="visually-hidden"> for {formName}</span>
      </label>
      {verified ? <span className="muted"> {form.sdvAt?.slice(0, 10)}</span> : null}
      {verify.error ? (
        <p className="field-error" role="alert">
          {verify.error.message}
        </p>
      ) : null}
    </div>
  );
}
