import { useCallback, useState, type ReactNode } from 'react';
import type { AdverseEvent } from '../../../api/capture.js';
import { useCan } from '../../../app/session.js';
import { useStudy } from '../../../app/study-context.js';
import { AdverseEventForm } from '../casebook/adverse-event-form.js';
import { AdverseEventTable } from '../casebook/adverse-event-table.js';
import { SavedNotice, type SaveOutcome } from '../casebook/saved-notice.js';
import type { SubjectSectionProps } from './section.js';
import '../casebook/casebook.css';

/** What the form is open for: a new event, or a change to one. */
type Editing = { readonly kind: 'new' } | { readonly kind: 'change'; readonly ae: AdverseEvent };

/** The subject's adverse events; the site records and changes them (with a reason for change). */
export function AdverseEventsSection({ subject, casebook, reload }: SubjectSectionProps): ReactNode {
  const { study } = useStudy();
  const can = useCan();
  const [editing, setEditing] = useState<Editing | null>(null);
  const [outcome, setOutcome] = useState<SaveOutcome | null>(null);
  const canEnter = can('data.enter', subject.studyId, subject.siteId) && subject.status === 'randomized';
  const open = useCallback((next: Editing) => {
    setOutcome(null);
    setEditing(next);
  }, []);
  const saved = useCallback(
    async (o: SaveOutcome) => {
      setEditing(null);
      setOutcome(o);
      await reload();
    },
    [reload],
  );
  return (
    <section aria-labelledby="adverse-events-section-title" className="panel">
      <h2 id="adverse-events-section-title">Adverse events</h2>
      <SavedNotice outcome={outcome} />
      <AdverseEventTable
        casebook={casebook}
        canEnter={canEnter}
        onChange={(ae) => open({ kind: 'change', ae })}
        onChanged={reload}
      />
      {canEnter && editing === null ? (
        <div className="button-row">
          <button type="button" onClick={() => open({ kind: 'new' })}>
            Record an adverse event
          </button>
        </div>
      ) : null}
      {editing ? (
        <AdverseEventForm
          key={editing.kind === 'new' ? 'new' : editing.ae.id}
          subjectId={subject.id}
          drugs={study.protocol.drugs}
          existing={editing.kind === 'change' ? editing.ae : undefined}
          onSaved={saved}
          onCancel={() => setEditing(null)}
        />
      ) : null}
    </section>
  );
}
