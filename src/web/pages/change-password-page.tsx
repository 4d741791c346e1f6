import { useState, type FormEvent, type ReactNode } from 'react';
import { api } from '../api/client.js';
import { useSession } from '../app/session.js';
import { TextField } from '../components/fields.js';
import { ErrorNotice } from '../components/notice.js';
import { Page } from '../components/page.js';
import { useSubmit } from '../components/use-submit.js';

/** Shown after signing in with a one-time password: nothing else is allowed until it is changed. */
export function ChangePasswordPage(): ReactNode {
  const { refresh, signOut } = useSession();
  const [currentPassword, setCurrent] = useState('');
  const [newPassword, setNew] = useState('');
  const [repeat, setRepeat] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const change = useSubmit(async () => {
    await api.post('/api/auth/password', { currentPassword, newPassword });
    await refresh();
  });
  const onSubmit = (e: FormEvent): void => {
    e.preventDefault();
    setMismatch(newPassword !== repeat);
    if (newPassword === repeat) void change.submit();
  };
  return (
    <main id="main" className="narrow">
      <Page title="Choose a new password">
        <p>You signed in with a one-time password. Choose your own before going on.</p>
        <form onSubmit={onSubmit} noValidate>
          <ErrorNotice error={change.error} />
          <TextField
            label="One-time password"
            type="password"
            autoComplete="current-password"
            value={currentPassword}
            onChange={(e) => setCurrent(e.target.value)}
            error={change.fieldErrors.currentPassword}
          />
          <TextField
            label="New password"
            type="password"
            autoComplete="new-password"
            value={newPassword}
            onChange={(e) => setNew(e.target.value)}
            error={change.fieldErrors.newPassword}
          />
          <TextField
            label="New password again"
            type="password"
            autoComplete="new-password"
            value={repeat}
            onChange={(e) => setRepeat(e.target.value)}
            error={mismatch ? 'The two new passwords differ' : undefined}
          />
          <button type="submit" disabled={change.busy}>
            Change password
          </button>{' '}
          <button type="button" className="button-quiet" onClick={() => void signOut()}>
            Sign out
          </button>
        </form>
      </Page>
    </main>
  );
}
