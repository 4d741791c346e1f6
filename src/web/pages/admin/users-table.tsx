import { useState, type FormEvent, type ReactNode } from 'react';
import { ROLE_INFO } from '../../../core/auth/roles.js';
import type { UserGrant } from '../../api/admin.js';
import { api, query } from '../../api/client.js';
import { TextField } from '../../components/fields.js';
import { ErrorNotice } from '../../components/notice.js';
import { Badge } from '../../components/page.js';
import { useSubmit } from '../../components/use-submit.js';
import { scopeLabel, type Directory, type UserWithGrants } from './use-directory.js';
import { TableWrap } from '../../components/table-wrap.js';

/** Every user with their state and active grants; each grant can be revoked with a reason. */
export function UsersTable({
  directory,
  onGrantFor,
  onRevoked,
}: {
  readonly directory: Directory;
  readonly onGrantFor: (userId: string) => void;
  readonly onRevoked: () => Promise<void>;
}): ReactNode {
  return (
    <TableWrap label="Users table">
      <table>
        <caption>Users ({directory.users.length})</caption>
        <thead>
          <tr>
            <th scope="col">User</th>
            <th scope="col">State</th>
            <th scope="col">Roles</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {directory.users.map((entry) => (
            <UserRow
              key={entry.user.id}
              entry={entry}
              directory={directory}
              onGrantFor={onGrantFor}
              onRevoked={onRevoked}
            />
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

function UserRow({
  entry: { user, grants },
  directory,
  onGrantFor,
  onRevoked,
}: {
  readonly entry: UserWithGrants;
  readonly directory: Directory;
  readonly onGrantFor: (userId: string) => void;
  readonly onRevoked: () => Promise<void>;
}): ReactNode {
  // Who granted each unblinded role: the server keeps it from the grant's audit entry.
  const grantors = new Map(user.unblindedRoles.map((g) => [g.id, g.grantedBy?.name ?? 'the system']));
  return (
    <tr>
      <th scope="row">
        {user.displayName}
        <br />
        <span className="muted">{user.username}</span>
        {user.email ? (
          <>
            <br />
            <span className="muted">{user.email}</span>
          </>
        ) : null}
      </th>
      <td>
        {user.disabled ? <Badge tone="bad">Disabled</Badge> : null}
        {user.mustChangePassword ? <Badge tone="info">Must change password</Badge> : null}
        {!user.disabled && !user.mustChangePassword ? <Badge tone="good">Active</Badge> : null}
        {user.unblindedRoles.length > 0 ? <Badge tone="warn">Unblinded</Badge> : null}
      </td>
      <td>
        {grants.length === 0 ? <span className="muted">No role</span> : null}
        <ul className="grant-list">
          {grants.map((g) => (
            <GrantItem
              key={g.id}
              grant={g}
              directory={directory}
              who={user.username}
              grantedBy={grantors.get(g.id) ?? null}
              onRevoked={onRevoked}
            />
          ))}
        </ul>
      </td>
      <td className="user-actions">
        <button type="button" className="button-quiet" onClick={() => onGrantFor(user.id)}>
          Grant a role<span className="visually-hidden"> to {user.username}</span>
        </button>
      </td>
    </tr>
  );
}

/** One grant; "Revoke" opens a reason field in place, since the audit trail records why. */
function GrantItem({
  grant,
  directory,
  who,
  grantedBy,
  onRevoked,
}: {
  readonly grant: UserGrant;
  readonly directory: Directory;
  readonly who: string;
  /** Set for an unblinded role: the administrator who granted it. */
  readonly grantedBy: string | null;
  readonly onRevoked: () => Promise<void>;
}): ReactNode {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [missing, setMissing] = useState(false);
  const label = `${ROLE_INFO[grant.role].label} · ${scopeLabel(directory, grant)}`;
  const revoke = useSubmit(async () => {
    await api.delete(`/api/grants/${grant.id}${query({ reason: reason.trim() })}`);
    await onRevoked();
  });
  const onSubmit = (e: FormEvent): void => {
    e.preventDefault();
    // The API would take no reason; a revocation without one is not acceptable in a trial's records.
    setMissing(!reason.trim());
    if (reason.trim()) void revoke.submit();
  };
  const expired = grant.expiresAt !== null && new Date(grant.expiresAt) <= new Date();
  return (
    <li>
      <span>{label}</span>
      {grantedBy !== null ? <span className="muted"> · unblinded, granted by {grantedBy}</span> : null}
      {grant.expiresAt ? (
        <span className="muted">
          {' '}
          · {expired ? 'expired' : 'until'} {grant.expiresAt.slice(0, 10)}
        </span>
      ) : null}{' '}
      {open ? null : (
        <button type="button" className="button-quiet button-small" onClick={() => setOpen(true)}>
          Revoke
          <span className="visually-hidden">
            {' '}
            {label} from {who}
          </span>
        </button>
      )}
      {open ? (
        <form
          className="revoke-form"
          onSubmit={onSubmit}
          noValidate
          aria-label={`Revoke ${label} from ${who}`}
        >
          <ErrorNotice error={revoke.error} title="The role was not revoked" />
          <TextField
            label="Reason for revoking"
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            error={
              missing
                ? 'A reason is required: it is kept in the audit trail'
                : (revoke.fieldErrors.reason ?? revoke.fieldErrors['query.reason'])
            }
            maxLength={500}
          />
          <div className="button-row">
            <button type="submit" className="button-danger" disabled={revoke.busy}>
              {revoke.busy ? 'Revoking…' : 'Revoke role'}
            </button>
            <button
              type="button"
              className="button-quiet"
              onClick={() => setOpen(false)}
              disabled={revoke.busy}
            >
              Cancel
            </button>
          </div>
        </form>
      ) : null}
    </li>
  );
}
