import { useState, type FormEvent, type ReactNode } from 'react';
import { navigate } from '../app/router.js';
import { useSession } from '../app/session.js';
import { TextField } from '../components/fields.js';
import { ErrorNotice } from '../components/notice.js';
import { Page } from '../components/page.js';
import { useSubmit } from '../components/use-submit.js';

export function SignInPage(): ReactNode {
  const { signIn } = useSession();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const { submit, busy, error, fieldErrors } = useSubmit(signIn);
  const onSubmit = (e: FormEvent): void => {
    e.preventDefault();
    void submit(username, password).then(() => {
      if (window.location.pathname === '/sign-in') navigate('/', { replace: true });
    });
  };
  return (
    <main id="main" className="narrow">
      <Page title="Sign in to trialdesk">
        <form onSubmit={onSubmit} noValidate>
          <ErrorNotice error={error} />
          <TextField
            label="Username"
            name="username"
            autoComplete="username"
            required
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            error={fieldErrors.username}
          />
          <TextField
            label="Password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            error={fieldErrors.password}
          />
          <button type="submit" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
        <p className="muted">
          The first administrator is <code>admin</code>; <code>npm start</code> prints its one-time password.
        </p>
      </Page>
    </main>
  );
}
