import { useCallback, useState, type ReactNode } from 'react';
import {
  AE_ACTIONS,
  AE_OUTCOMES,
  RELATEDNESS,
  type AeAction,
  type AeOutcome,
  type Relatedness,
} from '../../../../core/capture/vocabulary.js';
import { capture, type AdverseEvent, type AdverseEventDraft } from '../../../api/capture.js';
import type { StudyDetail } from '../../../api/types.js';
import { CheckboxField, SelectField, TextField } from '../../../components/fields.js';
import { useSubmit } from '../../../components/use-submit.js';
import { Editor } from './editor.js';
import { RELATEDNESS_LABELS, words } from './labels.js';
import type { SaveOutcome } from './saved-notice.js';
import { ReasonForChange } from '../../../components/reason-for-change.js';

/** CTCAE grade words, so the number is never read without its meaning. */
const GRADES = [
  { value: '1', label: '1 · Mild' },
  { value: '2', label: '2 · Moderate' },
  { value: '3', label: '3 · Severe' },
  { value: '4', label: '4 · Life-threatening' },
  { value: '5', label: '5 · Death' },
];
const OUTCOMES = AE_OUTCOMES.map((o) => ({ value: o, label: words(o) }));
const ACTIONS = AE_ACTIONS.map((a) => ({ value: a, label: words(a) }));
const RELATEDNESS_OPTIONS = RELATEDNESS.map((r) => ({ value: r, label: RELATEDNESS_LABELS[r] ?? r }));

const isOneOf = <T extends string>(list: readonly T[], v: string): v is T =>
  (list as readonly string[]).includes(v);

/** Records an adverse event, or changes one with the reason for the change. */
export function AdverseEventForm({
  subjectId,
  drugs,
  existing,
  onSaved,
  onCancel,
}: {
  readonly subjectId: string;
  readonly drugs: StudyDetail['protocol']['drugs'];
  readonly existing: AdverseEvent | undefined;
  readonly onSaved: (outcome: SaveOutcome) => Promise<void>;
  readonly onCancel: () => void;
}): ReactNode {
  const [verbatimTerm, setVerbatim] = useState(existing?.verbatimTerm ?? '');
  const [codedTerm, setCoded] = useState(existing?.codedTerm ?? '');
  const [bodySystem, setBodySystem] = useState(existing?.bodySystem ?? '');
  const [onsetDate, setOnset] = useState(existing?.onsetDate ?? '');
  const [endDate, setEnd] = useState(existing?.endDate ?? '');
  const [grade, setGrade] = useState(existing ? String(existing.grade) : '');
  const [serious, setSerious] = useState(existing?.serious ?? false);
  // No relatedness is preset: the investigator judges each drug; the server refuses a missing one.
  const [relatedness, setRelatedness] = useState<Record<string, string>>({ ...existing?.relatedness });
  const [outcome, setOutcome] = useState(existing?.outcome ?? '');
  const [actionTaken, setAction] = useState(existing?.actionTaken ?? '');
  const [reason, setReason] = useState('');

  const save = useSubmit(
    useCallback(async () => {
      const optional = (s: string): string | undefined => (s.trim() === '' ? undefined : s);
      const body: AdverseEventDraft = {
        verbatimTerm,
        codedTerm: optional(codedTerm),
        bodySystem: optional(bodySystem),
        onsetDate,
        endDate: optional(endDate) ?? null,
        grade: grade === '' ? undefined : Number(grade),
        serious,
        relatedness: Object.fromEntries(
          Object.entries(relatedness).filter((e): e is [string, Relatedness] => isOneOf(RELATEDNESS, e[1])),
        ),
        outcome: isOneOf<AeOutcome>(AE_OUTCOMES, outcome) ? outcome : undefined,
        actionTaken: isOneOf<AeAction>(AE_ACTIONS, actionTaken) ? actionTaken : undefined,
      };
      const saved = existing
        ? await capture.changeAdverseEvent(existing.id, { ...body, reasonForChange: reason })
        : await capture.recordAdverseEvent(subjectId, body);
      await onSaved({
        what: `Adverse event ${saved.record.number} (${saved.record.verbatimTerm})`,
        queries: saved.queries,
      });
    }, [
      verbatimTerm,
      codedTerm,
      bodySystem,
      onsetDate,
      endDate,
      grade,
      serious,
      relatedness,
      outcome,
      actionTaken,
      existing,
      reason,
      subjectId,
      onSaved,
    ]),
  );
  const errors = save.fieldErrors;
  return (
    <Editor
      title={existing ? `Change adverse event ${existing.number}` : 'Record an adverse event'}
      error={save.error}
      busy={save.busy}
      saveLabel={existing ? 'Save change' : 'Save adverse event'}
      onSubmit={() => void save.submit()}
      onCancel={onCancel}
    >
      <div className="form-grid">
        <TextField
          label="Verbatim term"
          required
          value={verbatimTerm}
          onChange={(e) => setVerbatim(e.currentTarget.value)}
          error={errors.verbatimTerm}
          hint="As the subject or investigator describes it"
        />
        <TextField
          label="Coded term"
          value={codedTerm}
          onChange={(e) => setCoded(e.currentTarget.value)}
          error={errors.codedTerm}
          hint="MedDRA preferred term"
        />
        <TextField
          label="Body system"
          value={bodySystem}
          onChange={(e) => setBodySystem(e.currentTarget.value)}
          error={errors.bodySystem}
          hint="MedDRA system organ class"
        />
        <TextField
          label="Onset date"
          type="date"
          required
          value={onsetDate}
          onChange={(e) => setOnset(e.currentTarget.value)}
          error={errors.onsetDate}
        />
        <TextField
          label="End date"
          type="date"
          value={endDate}
          onChange={(e) => setEnd(e.currentTarget.value)}
          error={errors.endDate}
          hint="Empty while ongoing"
        />
        <SelectField
          label="Grade"
          required
          options={GRADES}
          placeholder="Choose the grade"
          value={grade}
          onChange={(e) => setGrade(e.currentTarget.value)}
          error={errors.grade}
        />
        <SelectField
          label="Outcome"
          required
          options={OUTCOMES}
          placeholder="Choose the outcome"
          value={outcome}
          onChange={(e) => setOutcome(e.currentTarget.value)}
          error={errors.outcome}
        />
        <SelectField
          label="Action taken with study treatment"
          required
          options={ACTIONS}
          placeholder="Choose the action"
          value={actionTaken}
          onChange={(e) => setAction(e.currentTarget.value)}
          error={errors.actionTaken}
        />
      </div>
      <CheckboxField
        label="Serious adverse event"
        checked={serious}
        onChange={(e) => setSerious(e.currentTarget.checked)}
        error={errors.serious}
      />
      <fieldset>
        <legend>Relatedness to each study drug</legend>
        {errors.relatedness ? <p className="field-error">{errors.relatedness}</p> : null}
        <div className="relatedness-grid">
          {drugs.map((d) => (
            <SelectField
              key={d.code}
              label={d.name}
              required
              options={RELATEDNESS_OPTIONS}
              placeholder="Choose the relatedness"
              value={relatedness[d.code] ?? ''}
              onChange={(e) => {
                const value = e.currentTarget.value;
                setRelatedness((r) => ({ ...r, [d.code]: value }));
              }}
              error={errors[`relatedness.${d.code}`]}
            />
          ))}
        </div>
      </fieldset>
      {existing ? (
        <ReasonForChange value={reason} onChange={setReason} error={errors.reasonForChange} />
      ) : null}
    </Editor>
  );
}
