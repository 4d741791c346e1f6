import { useState, type FormEvent, type ReactNode } from 'react';
import { lockStudy, unlockStudy } from '../../api/monitoring.js';
import { useCan } from '../../app/session.js';
import { useStudy } from '../../app/study-context.js';
import { CheckboxField, TextArea } from '../../components/fields.js';
import { ErrorNotice, Notice } from '../../components/notice.js';
import { Badge, Page } from '../../components/page.js';
import { useSubmit } from '../../components/use-submit.js';
import './monitoring.css';

/**
 * The database lock (data manager). Locking stops every write to the study's data; unlocking needs a
 * reason, which the audit trail keeps. The status shown is the study's, reloaded after each change.
 */
export function DatabasePage(_props: { readonly params: Record<string, string> }): ReactNode {
  const { study } = useStudy();
  const can = useCan();
  const [done, setDone] = useState<string | null>(null);
  const locked = study.status === 'locked';
  return (
    <Page title="Database lock">
      <section aria-labelledby="status-heading" className="panel">
        <h2 id="status-heading">Status</h2>
        <p>
          The {study.code} database is{' '}
          {locked ? <Badge tone="warn">locked</Badge> : <Badge tone="good">open</Badge>}
          {locked
            ? ': no data can be entered, changed, verified, signed or queried until it is unlocked.'
            : ': sites can enter and change data.'}
        </p>
      </section>
      {done ? <Notice kind="success">{done}</Notice> : null}
      {!can('study.lock', study.id) ? (
        <Notice>Only the study&rsquo;s data manager can lock or unlock the database.</Notice>
      ) : locked ? (
        <UnlockForm onDone={setDone} />
      ) : (
        <LockForm onDone={setDone} />
      )}
    </Page>
  );
}

function LockForm({ onDone }: { readonly onDone: (message: string) => void }): ReactNode {
  const { study, reload } = useStudy();
  const [understood, setUnderstood] = useState(false);
  const { submit, busy, error } = useSubmit(async () => {
    await lockStudy(study.id);
    await reload();
    onDone('The database is locked.');
  });
  const onSubmit = (e: FormEvent<HTMLFormElement>): void => {
    e.preventDefault();
    void submit();
  };
  return (
    <form onSubmit={onSubmit} aria-labelledby="lock-heading" className="panel">
      <h2 id="lock-heading">Lock the database</h2>
      <p>
        Locking freezes the study&rsquo;s data for analysis: from then on no visit, result, adverse event,
        disposition, query, source-data verification, signature, randomization or kit movement can be written,
        by anyone, until a data manager unlocks it with a reason.
      </p>
      <ErrorNotice error={error} title="The database was not locked" />
      <CheckboxField
        label="I understand that no data can be written while the database is locked"
        checked={understood}
        onChange={(e) => setUnderstood(e.target.checked)}
      />
      <div className="button-row">
        <button type="submit" className="button-danger" disabled={!understood || busy}>
          {busy ? 'Locking…' : 'Lock the database'}
        </button>
      </div>
    </form>
  );
}

function UnlockForm({ onDone }: { readonly onDone: (message: string) => void }): ReactNode {
  const { study, reload } = useStudy();
  const [reason, setReason] = useState('');
  const { submit, busy, error, fieldErrors } = useSubmit(async () => {
    await unlockStudy(study.id, reason);
    await reload();
    onDone('The database is unlocked.');
  });
  const onSubmit = (e: FormEvent<HTMLFormElement>): void => {
    e.preventDefault();
    void submit();
  };
  return (
    <form onSubmit={onSubmit} aria-labelledby="unlock-heading" className="panel">
      <h2 id="unlock-heading">Unlock the database</h2>
      <p>Unlocking lets data be written again. Say why: the reason is kept in the audit trail.</p>
      <ErrorNotice error={error} title="The database was not unlocked" />
      <TextArea
        label="Reason for unlocking"
        hint="At least 10 characters, e.g. the query or correction that needs it."
        value={reason}
        onChange={(e) => setReason(e.target.value)}
        error={fieldErrors.reason}
        maxLength={2000}
      />
      <div className="button-row">
        <button type="submit" disabled={busy}>
          {busy ? 'Unlocking…' : 'Unlock the database'}
        </button>
      </div>
    </form>
  );
}
