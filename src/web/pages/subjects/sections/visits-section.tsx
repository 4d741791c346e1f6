import { useCallback, useState, type ReactNode } from 'react';
import { useCan } from '../../../app/session.js';
import { useStudy } from '../../../app/study-context.js';
import { ResultForm } from '../casebook/result-form.js';
import { SavedNotice, type SaveOutcome } from '../casebook/saved-notice.js';
import { VisitForm } from '../casebook/visit-form.js';
import { VisitTable, type VisitEdit } from '../casebook/visit-table.js';
import type { SubjectSectionProps } from './section.js';
import '../casebook/casebook.css';

/**
 * The visit schedule and its HCV RNA results. The site records and changes them in an inline form
 * under the table; hard edit checks refuse with the field's message, soft ones save and open a query,
 * which is announced here.
 */
export function VisitsSection({ subject, casebook, reload }: SubjectSectionProps): ReactNode {
  const { study } = useStudy();
  const can = useCan();
  const [edit, setEdit] = useState<VisitEdit | null>(null);
  const [outcome, setOutcome] = useState<SaveOutcome | null>(null);
  const canEnter = can('data.enter', subject.studyId, subject.siteId);
  const open = useCallback((next: VisitEdit) => {
    setOutcome(null);
    setEdit(next);
  }, []);
  const saved = useCallback(
    async (o: SaveOutcome) => {
      setEdit(null);
      setOutcome(o);
      await reload();
    },
    [reload],
  );
  const cancel = useCallback(() => setEdit(null), []);
  const visit = edit ? casebook.schedule.find((v) => v.visit === edit.visit) : undefined;
  const measure =
    edit?.kind === 'result' ? study.protocol.measures.find((m) => m.code === edit.measure) : undefined;
  return (
    <section aria-labelledby="visits-section-title" className="panel">
      <h2 id="visits-section-title">Visits and HCV RNA</h2>
      {casebook.day0 ? (
        <p className="muted">Day 0: {casebook.day0}. Windows are counted from it.</p>
      ) : (
        <p className="muted">Windows are known once the subject is randomized.</p>
      )}
      <SavedNotice outcome={outcome} />
      <VisitTable
        protocol={study.protocol}
        casebook={casebook}
        canEnter={canEnter}
        onEdit={open}
        onChanged={reload}
      />
      {visit && edit?.kind === 'visit' ? (
        <VisitForm
          key={`visit-${visit.visit}`}
          subjectId={subject.id}
          visit={visit}
          onSaved={saved}
          onCancel={cancel}
        />
      ) : null}
      {visit && measure ? (
        <ResultForm
          key={`result-${visit.visit}-${measure.code}`}
          subjectId={subject.id}
          visit={visit}
          measure={measure}
          existing={casebook.results.find((r) => r.visitCode === visit.visit && r.measure === measure.code)}
          onSaved={saved}
          onCancel={cancel}
        />
      ) : null}
    </section>
  );
}
