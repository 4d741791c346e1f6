import { useCallback, useEffect, useState } from 'react';
import type { UserGrant, User } from '../../api/admin.js';
import { api, ApiError } from '../../api/client.js';
import type { Site, Study } from '../../api/types.js';

export interface UserWithGrants {
  readonly user: User;
  readonly grants: readonly UserGrant[];
}

/** Everything the users page shows: users with their active grants, and the studies with their sites. */
export interface Directory {
  readonly users: readonly UserWithGrants[];
  readonly studies: readonly Study[];
  readonly sitesByStudy: ReadonlyMap<string, readonly Site[]>;
}

export interface DirectoryResource {
  readonly data: Directory | undefined;
  readonly error: ApiError | undefined;
  readonly reload: () => Promise<void>;
}

async function load(): Promise<Directory> {
  const [users, studies] = await Promise.all([
    api.get<User[]>('/api/users'),
    api.get<Study[]>('/api/studies'),
  ]);
  // The API lists grants per user; an organisation has tens of users, so one request each is fine.
  const [grants, sites] = await Promise.all([
    Promise.all(users.map((u) => api.get<UserGrant[]>(`/api/users/${u.id}/grants`))),
    Promise.all(studies.map((s) => api.get<Site[]>(`/api/studies/${s.id}/sites`))),
  ]);
  return {
    users: users.map((user, i) => ({ user, grants: grants[i] ?? [] })),
    studies,
    sitesByStudy: new Map(studies.map((s, i) => [s.id, sites[i] ?? []])),
  };
}

const asApiError = (e: unknown): ApiError =>
  e instanceof ApiError ? e : new ApiError(0, 'internal', String(e));

/** Loads the directory once, and again on `reload` (after a write), keeping the old one on screen. */
export function useDirectory(): DirectoryResource {
  const [data, setData] = useState<Directory | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const reload = useCallback(async () => {
    try {
      setData(await load());
      setError(undefined);
    } catch (e) {
      setError(asApiError(e));
    }
  }, []);
  useEffect(() => {
    let current = true;
    load().then(
      (d) => current && setData(d),
      (e: unknown) => current && setError(asApiError(e)),
    );
    return () => {
      current = false;
    };
  }, []);
  return { data, error, reload };
}

/** "NR-CELGO-2 · S1 Site name" for a grant's scope; "All studies" for a global grant. */
export function scopeLabel(directory: Directory, grant: Pick<UserGrant, 'studyId' | 'siteId'>): string {
  if (grant.studyId === null) return 'All studies';
  const study = directory.studies.find((s) => s.id === grant.studyId);
  const studyName = study?.code ?? grant.studyId;
  if (grant.siteId === null) return studyName;
  const site = directory.sitesByStudy.get(grant.studyId)?.find((s) => s.id === grant.siteId);
  return `${studyName} · ${site ? `${site.code} ${site.name}` : grant.siteId}`;
}
