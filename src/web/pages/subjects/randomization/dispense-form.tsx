import { useCallback, useState, type FormEvent, type ReactNode } from 'react';
import { subjectsApi, type Kit } from '../../../api/subjects.js';
import type { Subject } from '../../../api/types.js';
import { useStudy } from '../../../app/study-context.js';
import { SelectField } from '../../../components/fields.js';
import { ErrorNotice, Notice } from '../../../components/notice.js';
import { useSubmit } from '../../../components/use-submit.js';

/**
 * Dispenses the kits of a later visit. Offers the protocol's dispensing visits not yet dispensed
 * (the randomization visit's kits come with the randomization); the server decides the kits by the
 * subject's arm at that visit and refuses an extension visit before the election.
 */
export function DispenseForm({
  subject,
  kits,
  onDispensed,
}: {
  readonly subject: Subject;
  readonly kits: readonly Kit[];
  readonly onDispensed: () => Promise<void>;
}): ReactNode {
  const { study } = useStudy();
  const protocol = study.protocol;
  const d0 = protocol.phases.find((p) => p.kind === 'main')?.startVisit;
  const dispensing = new Set(protocol.drugs.flatMap((d) => d.supply?.dispenseAt ?? []));
  const done = new Set(kits.map((k) => k.visit));
  const visits = protocol.visits.filter((v) => dispensing.has(v.code) && v.code !== d0 && !done.has(v.code));
  const [visit, setVisit] = useState('');
  const [dispensed, setDispensed] = useState<{ visit: string; kits: Kit[] } | null>(null);
  const dispense = useCallback((code: string) => subjectsApi.dispense(subject.id, code), [subject.id]);
  const { submit, busy, error, fieldErrors } = useSubmit(dispense);

  if (visits.length === 0) return null;
  const onSubmit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const result = await submit(visit);
    if (result) {
      setDispensed({ visit, kits: result });
      setVisit('');
      await onDispensed();
    }
  };
  return (
    <form onSubmit={(e) => void onSubmit(e)} aria-labelledby="dispense-title" noValidate>
      <h3 id="dispense-title">Dispense kits for a visit</h3>
      <ErrorNotice error={error} title="No kit was dispensed" />
      {dispensed ? (
        <Notice kind="success">
          Dispensed for {dispensed.visit}: {dispensed.kits.map((k) => `${k.drug} ${k.kitNumber}`).join(', ')}
        </Notice>
      ) : null}
      <SelectField
        label="Visit"
        value={visit}
        onChange={(e) => setVisit(e.target.value)}
        placeholder="Choose the visit"
        options={visits.map((v) => ({ value: v.code, label: `${v.code} · ${v.label}` }))}
        error={fieldErrors.visit}
        required
      />
      <div className="button-row">
        <button type="submit" disabled={busy || visit === ''} aria-busy={busy}>
          {busy ? 'Dispensing…' : 'Dispense kits'}
        </button>
      </div>
    </form>
  );
}
