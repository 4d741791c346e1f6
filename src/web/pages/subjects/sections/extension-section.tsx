import { useCallback, useState, type FormEvent, type ReactNode } from 'react';
import { subjectsApi } from '../../../api/subjects.js';
import { useCan } from '../../../app/session.js';
import { useStudy } from '../../../app/study-context.js';
import { ErrorNotice } from '../../../components/notice.js';
import { Badge } from '../../../components/page.js';
import { useSubmit } from '../../../components/use-submit.js';
import type { SubjectSectionProps } from './section.js';

/**
 * The extension election, offered once the main phase is completed: continue on the randomized
 * treatment or switch as the protocol allows. The server resolves a switch from the subject's arm
 * (a subject already on the target arm stays on it), so the page shows the options, never an arm.
 */
export function ExtensionSection({ subject, casebook, reload }: SubjectSectionProps): ReactNode {
  const { study } = useStudy();
  const can = useCan();
  const phase = study.protocol.phases.find((p) => p.election);
  if (!phase?.election) return null;
  const main = study.protocol.phases.find((p) => p.kind === 'main');
  const mainDisposition = casebook.dispositions.find((d) => d.phase === main?.code);
  const election = casebook.elections.find((e) => e.phase === phase.code);
  const optionLabel = (code: string): string =>
    phase.election?.options.find((o) => o.code === code)?.label ?? code;

  let body: ReactNode;
  if (election)
    body = (
      <p>
        <Badge tone="info">Elected</Badge> {optionLabel(election.option)} ({election.option})
      </p>
    );
  else if (subject.status !== 'randomized' || mainDisposition?.status !== 'completed')
    body = (
      <p className="muted">
        {mainDisposition?.status === 'discontinued'
          ? 'The subject discontinued the main phase: no extension.'
          : `Offered once the ${main?.label.toLowerCase() ?? 'main phase'} is recorded as completed.`}
      </p>
    );
  else if (can('subject.elect_extension', subject.studyId, subject.siteId))
    body = (
      <ElectionForm
        subjectId={subject.id}
        options={phase.election.options}
        visit={phase.election.visit}
        onSaved={reload}
      />
    );
  else body = <p className="muted">No election recorded yet.</p>;

  return (
    <section aria-labelledby="extension-section-title" className="panel">
      <h2 id="extension-section-title">Extension: {phase.label}</h2>
      {body}
    </section>
  );
}

function ElectionForm({
  subjectId,
  options,
  visit,
  onSaved,
}: {
  readonly subjectId: string;
  readonly options: readonly { readonly code: string; readonly label: string }[];
  readonly visit: string;
  readonly onSaved: () => Promise<void>;
}): ReactNode {
  const [option, setOption] = useState('');
  const elect = useCallback((code: string) => subjectsApi.electExtension(subjectId, code), [subjectId]);
  const { submit, busy, error, fieldErrors } = useSubmit(elect);
  const onSubmit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if ((await submit(option)) !== undefined) await onSaved();
  };
  const errorId = 'extension-option-error';
  return (
    <form onSubmit={(e) => void onSubmit(e)} noValidate>
      <ErrorNotice error={error} title="The election was not recorded" />
      <fieldset aria-describedby={fieldErrors.option ? errorId : 'extension-note'}>
        <legend>The subject’s choice at {visit}</legend>
        {options.map((o) => (
          <div className="field-check" key={o.code}>
            <input
              type="radio"
              id={`extension-${o.code}`}
              name="extension-option"
              value={o.code}
              checked={option === o.code}
              onChange={() => setOption(o.code)}
            />
            <label htmlFor={`extension-${o.code}`}>{o.label}</label>
          </div>
        ))}
        {fieldErrors.option ? (
          <p className="field-error" id={errorId}>
            {fieldErrors.option}
          </p>
        ) : null}
      </fieldset>
      <p id="extension-note" className="muted">
        An election is a re-assignment, not a new randomization, and cannot be changed once recorded.
      </p>
      <div className="button-row">
        <button type="submit" disabled={busy || option === ''} aria-busy={busy}>
          {busy ? 'Recording…' : 'Record the election'}
        </button>
      </div>
    </form>
  );
}
