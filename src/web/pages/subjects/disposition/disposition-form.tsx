import { useCallback, useState, type FormEvent, type ReactNode } from 'react';
import { DISCONTINUATION_REASONS } from '../../../../core/capture/vocabulary.js';
import { subjectsApi, words, type Disposition, type DispositionInput } from '../../../api/subjects.js';
import { useStudy } from '../../../app/study-context.js';
import { SelectField, TextArea, TextField } from '../../../components/fields.js';
import { ErrorNotice } from '../../../components/notice.js';
import { useSubmit } from '../../../components/use-submit.js';
import { localToday } from '../screening/answers.js';
import { ReasonForChange } from '../../../components/reason-for-change.js';

interface Props {
  readonly subjectId: string;
  readonly phase: { readonly code: string; readonly label: string };
  /** The recorded disposition when changing it (a reason for change is then required). */
  readonly existing?: Disposition;
  readonly onSaved: () => Promise<void>;
  readonly onCancel?: () => void;
}

/** Records how the subject ended a phase, or changes it with a reason for change. */
export function DispositionForm({ subjectId, phase, existing, onSaved, onCancel }: Props): ReactNode {
  const { study } = useStudy();
  const [status, setStatus] = useState<DispositionInput['status'] | ''>(existing?.status ?? '');
  const [date, setDate] = useState(existing?.date ?? localToday());
  const [reason, setReason] = useState(existing?.reason ?? '');
  const [relatedDrug, setRelatedDrug] = useState(existing?.relatedDrug ?? '');
  const [detail, setDetail] = useState(existing?.detail ?? '');
  const [reasonForChange, setReasonForChange] = useState('');
  const save = useCallback(
    (input: DispositionInput) =>
      existing
        ? subjectsApi.changeDisposition(subjectId, phase.code, { ...input, reasonForChange })
        : subjectsApi.recordDisposition(subjectId, phase.code, input),
    [existing, subjectId, phase.code, reasonForChange],
  );
  const { submit, busy, error, fieldErrors } = useSubmit(save);
  const discontinued = status === 'discontinued';
  const id = `disposition-${phase.code}`;

  const onSubmit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    // Only what applies is sent: a completion has no reason, only an AE discontinuation names a drug.
    const input: DispositionInput = {
      // No outcome chosen is sent as it is: the server's message then stands next to the field.
      status: status as DispositionInput['status'],
      date,
      ...(discontinued && reason ? { reason } : {}),
      ...(discontinued && reason === 'adverse_event' && relatedDrug ? { relatedDrug } : {}),
      ...(detail.trim() ? { detail: detail.trim() } : {}),
    };
    if ((await submit(input)) !== undefined) await onSaved();
  };

  return (
    <form onSubmit={(e) => void onSubmit(e)} aria-labelledby={`${id}-title`} noValidate>
      <h3 id={`${id}-title`}>
        {existing ? 'Change' : 'Record'} the disposition: {phase.label}
      </h3>
      <ErrorNotice error={error} title="The disposition was not saved" />
      <div className="form-grid">
        <SelectField
          label="Outcome"
          value={status}
          onChange={(e) => setStatus(e.target.value as DispositionInput['status'] | '')}
          placeholder="Choose"
          options={[
            { value: 'completed', label: 'Completed' },
            { value: 'discontinued', label: 'Discontinued' },
          ]}
          error={fieldErrors.status}
          required
        />
        <TextField
          label={discontinued ? 'Date of discontinuation' : 'Date of completion'}
          type="date"
          value={date}
          onChange={(e) => setDate(e.target.value)}
          error={fieldErrors.date}
          required
        />
        {discontinued ? (
          <SelectField
            label="Reason"
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            placeholder="Choose the reason"
            options={DISCONTINUATION_REASONS.map((r) => ({ value: r, label: words(r) }))}
            error={fieldErrors.reason}
            required
          />
        ) : null}
        {discontinued && reason === 'adverse_event' ? (
          <SelectField
            label="Drug the adverse event is attributed to"
            value={relatedDrug}
            onChange={(e) => setRelatedDrug(e.target.value)}
            placeholder="Not attributed to one drug"
            options={study.protocol.drugs.map((d) => ({ value: d.code, label: `${d.code} · ${d.name}` }))}
            error={fieldErrors.relatedDrug}
          />
        ) : null}
      </div>
      <TextArea
        label="Details"
        value={detail}
        onChange={(e) => setDetail(e.target.value)}
        error={fieldErrors.detail}
        hint="Optional"
        maxLength={2000}
      />
      {existing ? (
        <ReasonForChange
          value={reasonForChange}
          onChange={setReasonForChange}
          error={fieldErrors.reasonForChange}
        />
      ) : null}
      <div className="button-row">
        <button type="submit" disabled={busy} aria-busy={busy}>
          {busy ? 'Saving…' : existing ? 'Save the change' : 'Record the disposition'}
        </button>
        {onCancel ? (
          <button type="button" className="button-quiet" onClick={onCancel} disabled={busy}>
            Cancel
          </button>
        ) : null}
      </div>
    </form>
  );
}
