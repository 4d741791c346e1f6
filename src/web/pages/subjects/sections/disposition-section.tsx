import { useState, type ReactNode } from 'react';
import { words, type Disposition } from '../../../api/subjects.js';
import { useCan } from '../../../app/session.js';
import { Badge } from '../../../components/page.js';
import { useStudy } from '../../../app/study-context.js';
import { DispositionForm } from '../disposition/disposition-form.js';
import type { SubjectSectionProps } from './section.js';

/**
 * How the subject ended each phase they are in: the main phase once randomized, an extension once
 * elected. Recorded ones are shown and can be changed with a reason for change.
 */
export function DispositionSection({ subject, casebook, reload }: SubjectSectionProps): ReactNode {
  const { study } = useStudy();
  const can = useCan();
  const canEnter = can('data.enter', subject.studyId, subject.siteId);
  const elected = casebook.elections.map((e) => e.phase);
  const phases = study.protocol.phases.filter((p) => !p.election || elected.includes(p.code));
  return (
    <section aria-labelledby="disposition-section-title" className="panel">
      <h2 id="disposition-section-title">Disposition</h2>
      {subject.status !== 'randomized' ? (
        <p className="muted">Recorded once the subject is randomized.</p>
      ) : (
        phases.map((p) => (
          <PhaseDisposition
            key={p.code}
            subjectId={subject.id}
            phase={p}
            recorded={casebook.dispositions.find((d) => d.phase === p.code)}
            canEnter={canEnter}
            reload={reload}
          />
        ))
      )}
    </section>
  );
}

function PhaseDisposition({
  subjectId,
  phase,
  recorded,
  canEnter,
  reload,
}: {
  readonly subjectId: string;
  readonly phase: { readonly code: string; readonly label: string };
  readonly recorded: Disposition | undefined;
  readonly canEnter: boolean;
  readonly reload: () => Promise<void>;
}): ReactNode {
  const [changing, setChanging] = useState(false);
  const saved = async (): Promise<void> => {
    setChanging(false);
    await reload();
  };
  if (!recorded)
    return canEnter ? (
      <DispositionForm subjectId={subjectId} phase={phase} onSaved={saved} />
    ) : (
      <p>
        {phase.label}: <span className="muted">not recorded</span>
      </p>
    );
  return (
    <div>
      <h3>{phase.label}</h3>
      <dl className="kv">
        <dt>Outcome</dt>
        <dd>
          <Badge tone={recorded.status === 'completed' ? 'good' : 'warn'}>
            {recorded.status === 'completed' ? 'Completed' : 'Discontinued'}
          </Badge>{' '}
          on {recorded.date}
        </dd>
        {recorded.reason ? (
          <>
            <dt>Reason</dt>
            <dd>
              {words(recorded.reason)}
              {recorded.relatedDrug ? ` (${recorded.relatedDrug})` : ''}
            </dd>
          </>
        ) : null}
        {recorded.detail ? (
          <>
            <dt>Details</dt>
            <dd>{recorded.detail}</dd>
          </>
        ) : null}
      </dl>
      {canEnter && !changing ? (
        <button type="button" className="button-quiet" onClick={() => setChanging(true)}>
          Change the {phase.code} disposition
        </button>
      ) : null}
      {changing ? (
        <DispositionForm
          subjectId={subjectId}
          phase={phase}
          existing={recorded}
          onSaved={saved}
          onCancel={() => setChanging(false)}
        />
      ) : null}
    </div>
  );
}
