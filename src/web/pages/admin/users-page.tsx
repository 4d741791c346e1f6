import { useState, type ReactNode } from 'react';
import type { CreatedUser } from '../../api/admin.js';
import { useCan } from '../../app/session.js';
import { ErrorNotice, Loading, Notice } from '../../components/notice.js';
import { Page } from '../../components/page.js';
import { CreateUserForm } from './create-user-form.js';
import { GrantForm } from './grant-form.js';
import { useDirectory } from './use-directory.js';
import { UsersTable } from './users-table.js';
import './users.css';

/** The administrator's page: users, their roles, new users and role grants and revocations. */
export function UsersPage(_props: { readonly params: Record<string, string> }): ReactNode {
  const can = useCan();
  if (!can('user.manage'))
    return (
      <Page title="Users">
        <div className="notice notice-warning" role="alert">
          Only an administrator manages users and their roles.
        </div>
      </Page>
    );
  return <UsersAdmin />;
}

function UsersAdmin(): ReactNode {
  const directory = useDirectory();
  const [created, setCreated] = useState<CreatedUser | null>(null);
  const [grantUser, setGrantUser] = useState('');
  const [granted, setGranted] = useState<string | null>(null);

  const onCreated = (c: CreatedUser): void => {
    setCreated(c);
    setGranted(null);
    setGrantUser(c.user.id);
    void directory.reload();
  };
  // From a row's "Grant a role": the form below takes the user, and the keyboard goes there.
  const grantFor = (userId: string): void => {
    setGrantUser(userId);
    setGranted(null);
    const form = document.getElementById('grant-role');
    form?.scrollIntoView({ block: 'start' });
    form?.querySelector<HTMLSelectElement>('select:not([disabled])')?.focus();
  };

  return (
    <Page title="Users">
      <ErrorNotice error={directory.error} title="The users could not be loaded" />
      {created ? <OneTimePassword created={created} onDone={() => setCreated(null)} /> : null}
      {granted ? <Notice kind="success">{granted}</Notice> : null}
      {!directory.data && !directory.error ? <Loading what="users" /> : null}
      {/* The forms come first: with many users, the table is long. */}
      {directory.data ? (
        <>
          <div className="users-forms">
            <section className="panel">
              <CreateUserForm onCreated={onCreated} />
            </section>
            <section className="panel">
              <GrantForm
                directory={directory.data}
                userId={grantUser}
                onUserChange={setGrantUser}
                onGranted={async (g) => {
                  const who = directory.data?.users.find((u) => u.user.id === g.userId)?.user.username;
                  // The table first, then the word: when "granted" is announced, the table shows it.
                  await directory.reload();
                  setGranted(`Role granted to ${who ?? 'the user'}.`);
                }}
              />
            </section>
          </div>
          <UsersTable directory={directory.data} onGrantFor={grantFor} onRevoked={directory.reload} />
        </>
      ) : null}
    </Page>
  );
}

/** The generated password, shown this once: the server keeps only its hash and cannot show it again. */
function OneTimePassword({
  created,
  onDone,
}: {
  readonly created: CreatedUser;
  readonly onDone: () => void;
}): ReactNode {
  return (
    <div className="notice notice-success one-time" role="status">
      <p>
        <strong>User {created.user.username} created.</strong>
      </p>
      {created.oneTimePassword ? (
        <>
          <p>
            One-time password: <code className="one-time-password">{created.oneTimePassword}</code>
          </p>
          <p>
            Hand it to the user by a safe channel now: it is shown only this once. They must change it when
            they first sign in.
          </p>
        </>
      ) : (
        <p>They sign in with the password you set.</p>
      )}
      <button type="button" className="button-quiet" onClick={onDone}>
        Done, hide the password
      </button>
    </div>
  );
}
