import { useState, type FormEvent, type ReactNode } from 'react';
import { ROLE_INFO, ROLES, type Role } from '../../../core/auth/roles.js';
import type { GrantBody, UserGrant } from '../../api/admin.js';
import { api } from '../../api/client.js';
import { SelectField } from '../../components/fields.js';
import { ErrorNotice } from '../../components/notice.js';
import { useSubmit } from '../../components/use-submit.js';
import type { Directory } from './use-directory.js';

const ROLE_OPTIONS = ROLES.map((r) => ({ value: r, label: ROLE_INFO[r].label }));
const isRole = (v: string): v is Role => (ROLES as readonly string[]).includes(v);

/**
 * Grants a role to a user in a scope the role takes (ROLE_INFO): the study and site pickers appear only
 * when the role needs them, so an impossible scope cannot be asked for (the server checks again).
 */
export function GrantForm({
  directory,
  userId,
  onUserChange,
  onGranted,
}: {
  readonly directory: Directory;
  readonly userId: string;
  readonly onUserChange: (userId: string) => void;
  readonly onGranted: (grant: UserGrant) => Promise<void>;
}): ReactNode {
  const [role, setRole] = useState<Role | ''>('');
  const [studyId, setStudyId] = useState('');
  const [siteId, setSiteId] = useState('');
  const [missing, setMissing] = useState<Record<string, string>>({});
  const scopes = role ? ROLE_INFO[role].scopes : [];
  const takesStudy = scopes.includes('study') || scopes.includes('site');
  const studyOptional = scopes.includes('global');
  const takesSite = scopes.includes('site');
  const sites = directory.sitesByStudy.get(studyId) ?? [];

  const grant = useSubmit(async (body: GrantBody) => {
    const created = await api.post<UserGrant>(`/api/users/${userId}/grants`, body);
    await onGranted(created);
    return created;
  });

  const onSubmit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const need: Record<string, string> = {};
    if (!userId) need.userId = 'Choose a user';
    if (!role) need.role = 'Choose a role';
    setMissing(need);
    if (!role || !userId) return;
    const body: GrantBody = {
      role,
      ...(takesStudy && studyId ? { studyId } : {}),
      ...(takesSite && siteId ? { siteId } : {}),
    };
    const created = await grant.submit(body);
    if (created) {
      setRole('');
      setStudyId('');
    }
  };

  const errors = { ...grant.fieldErrors, ...missing };
  return (
    <form onSubmit={(e) => void onSubmit(e)} noValidate aria-labelledby="grant-heading" id="grant-role">
      <h2 id="grant-heading">Grant a role</h2>
      <ErrorNotice error={grant.error} title="The role was not granted" />
      <div className="form-grid">
        <SelectField
          label="User"
          value={userId}
          onChange={(e) => onUserChange(e.target.value)}
          placeholder="Choose a user"
          options={directory.users.map(({ user }) => ({
            value: user.id,
            label: `${user.displayName} (${user.username})`,
          }))}
          error={errors.userId}
        />
        <SelectField
          label="Role"
          value={role}
          onChange={(e) => setRole(isRole(e.target.value) ? e.target.value : '')}
          placeholder="Choose a role"
          options={ROLE_OPTIONS}
          error={errors.role}
          hint={role ? scopeHint(role) : undefined}
        />
        {takesStudy ? (
          <SelectField
            label="Study"
            value={studyId}
            onChange={(e) => {
              setStudyId(e.target.value);
              // A site belongs to one study: another study empties the site.
              setSiteId('');
            }}
            placeholder={studyOptional ? 'All studies (sponsor-wide)' : 'Choose a study'}
            options={directory.studies.map((s) => ({ value: s.id, label: `${s.code} · ${s.title}` }))}
            error={errors.studyId}
          />
        ) : null}
        {takesSite ? (
          <SelectField
            label="Site"
            value={siteId}
            onChange={(e) => setSiteId(e.target.value)}
            placeholder={studyId ? 'Choose a site' : 'Choose a study first'}
            disabled={!studyId}
            options={sites.map((s) => ({ value: s.id, label: `${s.code} · ${s.name}` }))}
            error={errors.siteId}
          />
        ) : null}
      </div>
      <button type="submit" disabled={grant.busy}>
        {grant.busy ? 'Granting…' : 'Grant role'}
      </button>
    </form>
  );
}

function scopeHint(role: Role): string {
  const { scopes, blinded } = ROLE_INFO[role];
  const where = scopes.includes('site')
    ? 'Granted at one site of a study.'
    : scopes.includes('global') && scopes.includes('study')
      ? 'Granted for one study, or for all studies.'
      : scopes.includes('study')
        ? 'Granted for one study, all its sites.'
        : 'Granted for the whole installation.';
  return blinded ? where : `${where} Unblinded: sees the treatment arms.`;
}
