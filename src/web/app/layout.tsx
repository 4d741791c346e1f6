import type { ReactNode } from 'react';
import { ROLE_INFO } from '../../core/auth/roles.js';
import type { Study } from '../api/types.js';
import { useResource } from '../components/use-resource.js';
import { STUDY_NAV } from './navigation.js';
import { Link, navigate } from './router.js';
import { isBlindedIn, rolesIn, useCan, useMe, useSession } from './session.js';

/** The frame of every signed-in page: skip link, header with the study picker, role navigation. */
export function Layout({
  studyId,
  children,
}: {
  readonly studyId: string | null;
  readonly children: ReactNode;
}): ReactNode {
  const me = useMe();
  const { signOut } = useSession();
  const can = useCan();
  const studies = useResource<Study[]>('/api/studies');
  const roles = studyId ? rolesIn(me, studyId) : [];
  const nav = studyId ? STUDY_NAV.filter((item) => can(item.action, studyId)) : [];
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <div className="brand">
          <Link to="/">trialdesk</Link>
        </div>
        {studies.data && studies.data.length > 0 ? (
          <div className="study-picker">
            <label htmlFor="study-picker">Study</label>
            <select
              id="study-picker"
              value={studyId ?? ''}
              onChange={(e) => navigate(e.target.value ? `/studies/${e.target.value}` : '/')}
            >
              <option value="">All studies</option>
              {studies.data.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.code}
                </option>
              ))}
            </select>
          </div>
        ) : null}
        <div className="who">
          <span>
            {me.displayName}
            {roles.length > 0 ? (
              <span className="who-roles"> · {roles.map((r) => ROLE_INFO[r].label).join(', ')}</span>
            ) : null}
            {studyId && roles.length > 0 ? (
              <span className="who-roles">{isBlindedIn(me, studyId) ? ' · blinded' : ' · unblinded'}</span>
            ) : null}
          </span>
          <button
            type="button"
            className="button-quiet"
            onClick={() => void signOut().then(() => navigate('/sign-in'))}
          >
            Sign out
          </button>
        </div>
      </header>
      {nav.length > 0 || can('user.manage') ? (
        <nav className="app-nav" aria-label="Study pages">
          <ul>
            {nav.map((item) => (
              <li key={item.path}>
                <Link to={`/studies/${studyId}/${item.path}`}>{item.label}</Link>
              </li>
            ))}
            {can('user.manage') ? (
              <li>
                <Link to="/users">Users</Link>
              </li>
            ) : null}
          </ul>
        </nav>
      ) : null}
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
