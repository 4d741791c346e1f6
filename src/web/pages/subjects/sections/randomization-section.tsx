import { useState, type ReactNode } from 'react';
import { subjectsApi, type Allocation } from '../../../api/subjects.js';
import { useCan } from '../../../app/session.js';
import { ErrorNotice, Loading, Notice } from '../../../components/notice.js';
import { useResource } from '../../../components/use-resource.js';
import { DispenseForm } from '../randomization/dispense-form.js';
import { KitTable } from '../randomization/kit-table.js';
import { RandomizeForm } from '../randomization/randomize-form.js';
import type { SubjectSectionProps } from './section.js';

/**
 * Randomization: the button (with its confirmation) for an eligible subject, then the randomization
 * number and kits. The arm appears only when the server sent it (the unblinded statistician); the
 * page never asks for it.
 */
export function RandomizationSection({ subject, reload }: SubjectSectionProps): ReactNode {
  const can = useCan();
  const at = [subject.studyId, subject.siteId] as const;
  const randomized = subject.status === 'randomized';
  const allocation = useResource<Allocation>(
    randomized && can('allocation.read', ...at) ? subjectsApi.allocationPath(subject.id) : null,
  );
  const [justRandomized, setJustRandomized] = useState<Allocation | null>(null);

  let body: ReactNode;
  if (subject.status === 'screen_failed')
    body = <p>The subject failed screening: they cannot be randomized.</p>;
  else if (!randomized)
    body = can('subject.randomize', ...at) ? (
      <RandomizeForm
        subject={subject}
        onRandomized={(a) => {
          setJustRandomized(a);
          void reload();
        }}
      />
    ) : (
      <p>Eligible, not randomized yet.</p>
    );
  else if (allocation.error)
    body = <ErrorNotice error={allocation.error} title="The allocation could not be loaded" />;
  else if (!allocation.data) body = can('allocation.read', ...at) ? <Loading what="the allocation" /> : null;
  else body = <AllocationView allocation={allocation.data} />;

  return (
    <section aria-labelledby="randomization-section-title" className="panel">
      <h2 id="randomization-section-title">Randomization</h2>
      {justRandomized ? (
        <Notice kind="success">
          {subject.screeningNumber} is randomized: number {justRandomized.randomizationNumber}, kits{' '}
          {justRandomized.kits.map((k) => k.kitNumber).join(', ')}.
        </Notice>
      ) : null}
      {body}
      {randomized && allocation.data && can('subject.dispense', ...at) ? (
        <DispenseForm subject={subject} kits={allocation.data.kits} onDispensed={allocation.reload} />
      ) : null}
    </section>
  );
}

function AllocationView({ allocation }: { readonly allocation: Allocation }): ReactNode {
  return (
    <>
      <dl className="kv">
        <dt>Randomization number</dt>
        <dd>
          <strong>{allocation.randomizationNumber}</strong>
        </dd>
        <dt>Randomized on</dt>
        <dd>{allocation.allocatedAt.slice(0, 10)}</dd>
        {allocation.arm !== undefined ? (
          <>
            <dt>Arm (unblinded)</dt>
            <dd>
              {allocation.armName ?? allocation.arm} ({allocation.arm})
            </dd>
          </>
        ) : null}
      </dl>
      <KitTable kits={allocation.kits} caption="Kits dispensed" />
    </>
  );
}
