import { useEffect, type ReactNode } from 'react';
import { ROLE_INFO } from '../../core/auth/roles.js';
import type { Study } from '../api/types.js';
import { Link, navigate } from '../app/router.js';
import { rolesIn, useCan, useMe } from '../app/session.js';
import { ErrorNotice, Loading, Notice } from '../components/notice.js';
import { Badge, Page } from '../components/page.js';
import { useResource } from '../components/use-resource.js';

/** The study picker: the studies the user holds a role in; one study opens directly. */
export function StudiesPage(): ReactNode {
  const me = useMe();
  const can = useCan();
  const studies = useResource<Study[]>('/api/studies');
  const only = studies.data?.length === 1 && !can('user.manage') ? studies.data[0] : undefined;
  useEffect(() => {
    if (only) navigate(`/studies/${only.id}`, { replace: true });
  }, [only]);
  return (
    <Page title="Studies">
      <ErrorNotice error={studies.error} />
      {studies.loading && !studies.data ? <Loading what="studies" /> : null}
      {studies.data?.length === 0 ? (
        <Notice>
          You hold no role in any study yet.
          {can('user.manage')
            ? ' Create users and grant them roles on the Users page.'
            : ' Ask your administrator for access.'}
        </Notice>
      ) : null}
      {studies.data && studies.data.length > 0 ? (
        <ul className="cards">
          {studies.data.map((s) => {
            const roles = rolesIn(me, s.id).filter((r) => r !== 'admin');
            return (
              <li key={s.id} className="card">
                <h2>
                  <Link to={`/studies/${s.id}`}>{s.code}</Link>
                </h2>
                <p>{s.title}</p>
                <p>
                  {s.status === 'locked' ? (
                    <Badge tone="warn">Database locked</Badge>
                  ) : (
                    <Badge tone="good">Active</Badge>
                  )}{' '}
                  {roles.map((r) => (
                    <Badge key={r}>{ROLE_INFO[r].label}</Badge>
                  ))}
                </p>
              </li>
            );
          })}
        </ul>
      ) : null}
    </Page>
  );
}
