import { useCallback, useState, type ReactNode } from 'react';
import { capture, type ScheduledVisit } from '../../../api/capture.js';
import { TextField } from '../../../components/fields.js';
import { useSubmit } from '../../../components/use-submit.js';
import { Editor } from './editor.js';
import type { SaveOutcome } from './saved-notice.js';
import { ReasonForChange } from '../../../components/reason-for-change.js';

/** Records a visit's date, or changes a recorded one with the reason for the change. */
export function VisitForm({
  subjectId,
  visit,
  onSaved,
  onCancel,
}: {
  readonly subjectId: string;
  readonly visit: ScheduledVisit;
  readonly onSaved: (outcome: SaveOutcome) => Promise<void>;
  readonly onCancel: () => void;
}): ReactNode {
  const changing = visit.date !== null;
  const [date, setDate] = useState(visit.date ?? '');
  const [reason, setReason] = useState('');
  const save = useSubmit(
    useCallback(async () => {
      const saved = changing
        ? await capture.changeVisit(subjectId, visit.visit, { date, reasonForChange: reason })
        : await capture.recordVisit(subjectId, visit.visit, date);
      await onSaved({ what: `${visit.label} visit date`, queries: saved.queries });
    }, [changing, subjectId, visit, date, reason, onSaved]),
  );
  const errors = save.fieldErrors;
  return (
    <Editor
      title={`${changing ? 'Change' : 'Record'} ${visit.label} (${visit.visit})`}
      error={save.error}
      busy={save.busy}
      saveLabel={changing ? 'Save change' : 'Save visit'}
      onSubmit={() => void save.submit()}
      onCancel={onCancel}
    >
      <div className="form-grid">
        <TextField
          label="Visit date"
          type="date"
          required
          value={date}
          onChange={(e) => setDate(e.currentTarget.value)}
          error={errors.date ?? errors.visitDate}
          hint={visit.window ? `Window ${visit.window.earliest} to ${visit.window.latest}` : undefined}
        />
      </div>
      {changing ? (
        <ReasonForChange value={reason} onChange={setReason} error={errors.reasonForChange} />
      ) : null}
    </Editor>
  );
}
