import { useCallback, useId, useState, type ReactNode } from 'react';
import { capture, type Result, type ScheduledVisit } from '../../../api/capture.js';
import type { StudyDetail } from '../../../api/types.js';
import { TextField } from '../../../components/fields.js';
import { useSubmit } from '../../../components/use-submit.js';
import { Editor } from './editor.js';
import type { SaveOutcome } from './saved-notice.js';
import { ReasonForChange } from '../../../components/reason-for-change.js';

type Measure = StudyDetail['protocol']['measures'][number];
type Kind = 'value' | 'below_lloq' | 'not_detected';

const KINDS: readonly { readonly kind: Kind; readonly label: string }[] = [
  { kind: 'value', label: 'Quantified value' },
  { kind: 'below_lloq', label: 'Below the LLOQ (<LLOQ)' },
  { kind: 'not_detected', label: 'Target not detected' },
];

/**
 * The value as the API takes it: a number when the text is one, else the text itself, so the
 * server's parser (which knows `2.4E6` and `2,400,000`) names what is wrong with it.
 */
const valueOf = (text: string): number | string => {
  const t = text.trim();
  const n = Number(t);
  return t !== '' && Number.isFinite(n) ? n : t;
};

const lloqOf = (text: string): number | string | undefined =>
  text.trim() === '' ? undefined : valueOf(text);

/** Records or changes one measure's result at a visit; the value control follows the kind chosen. */
export function ResultForm({
  subjectId,
  visit,
  measure,
  existing,
  onSaved,
  onCancel,
}: {
  readonly subjectId: string;
  readonly visit: ScheduledVisit;
  readonly measure: Measure;
  readonly existing: Result | undefined;
  readonly onSaved: (outcome: SaveOutcome) => Promise<void>;
  readonly onCancel: () => void;
}): ReactNode {
  const kindName = useId();
  const [collectedOn, setCollectedOn] = useState(existing?.collectedOn ?? visit.date ?? '');
  const [kind, setKind] = useState<Kind>(existing?.result.kind ?? 'value');
  const [value, setValue] = useState(existing?.result.kind === 'value' ? String(existing.result.value) : '');
  const initialLloq = existing && existing.result.kind !== 'value' ? existing.result.lloq : measure.lloq;
  const [lloq, setLloq] = useState(
    initialLloq === null || initialLloq === undefined ? '' : String(initialLloq),
  );
  const [assay, setAssay] = useState(existing?.assay ?? '');
  const [reason, setReason] = useState('');

  const save = useSubmit(
    useCallback(async () => {
      const result = kind === 'value' ? valueOf(value) : kind === 'below_lloq' ? '<LLOQ' : 'TND';
      const limit = lloqOf(lloq);
      const fields = {
        collectedOn,
        result,
        ...(limit === undefined ? {} : { lloq: limit }),
        ...(assay.trim() === '' ? {} : { assay }),
      };
      const saved = existing
        ? await capture.changeResult(existing.id, { ...fields, reasonForChange: reason })
        : await capture.recordResult(subjectId, { visit: visit.visit, measure: measure.code, ...fields });
      await onSaved({ what: `${measure.code} result at ${visit.visit}`, queries: saved.queries });
    }, [kind, value, lloq, collectedOn, assay, existing, reason, subjectId, visit, measure, onSaved]),
  );
  const errors = save.fieldErrors;
  const resultError = errors.result ?? errors[`${measure.code}.result`];
  return (
    <Editor
      title={`${existing ? 'Change' : 'Record'} ${measure.label} at ${visit.label} (${visit.visit})`}
      error={save.error}
      busy={save.busy}
      saveLabel={existing ? 'Save change' : 'Save result'}
      onSubmit={() => void save.submit()}
      onCancel={onCancel}
    >
      <fieldset aria-describedby={kind !== 'value' && resultError ? `${kindName}-error` : undefined}>
        <legend>Result</legend>
        <div className="result-kind">
          {KINDS.map((k) => (
            <label key={k.kind}>
              <input
                type="radio"
                name={kindName}
                value={k.kind}
                checked={kind === k.kind}
                onChange={() => setKind(k.kind)}
              />{' '}
              {k.label}
            </label>
          ))}
        </div>
        {kind !== 'value' && resultError ? (
          <p className="field-error" id={`${kindName}-error`}>
            {resultError}
          </p>
        ) : null}
      </fieldset>
      <div className="form-grid">
        {kind === 'value' ? (
          <TextField
            label={`Value (${measure.unit})`}
            inputMode="decimal"
            autoComplete="off"
            required
            value={value}
            onChange={(e) => setValue(e.currentTarget.value)}
            error={resultError}
            hint="e.g. 2400000 or 2.4E6"
          />
        ) : null}
        <TextField
          label={`Assay LLOQ (${measure.unit})`}
          inputMode="decimal"
          autoComplete="off"
          required={kind === 'below_lloq'}
          value={lloq}
          onChange={(e) => setLloq(e.currentTarget.value)}
          error={errors.lloq}
          hint="The assay's lower limit of quantification"
        />
        <TextField
          label="Sample collected on"
          type="date"
          required
          value={collectedOn}
          onChange={(e) => setCollectedOn(e.currentTarget.value)}
          error={errors.collectedOn}
        />
        <TextField
          label="Assay"
          required
          value={assay}
          onChange={(e) => setAssay(e.currentTarget.value)}
          error={errors.assay}
          hint="e.g. COBAS TaqMan HCV v2.0"
        />
      </div>
      {errors.unit ? <p className="field-error">Unit: {errors.unit}</p> : null}
      {existing ? (
        <ReasonForChange value={reason} onChange={setReason} error={errors.reasonForChange} />
      ) : null}
    </Editor>
  );
}
