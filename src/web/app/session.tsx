import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { findGrant, type Action, type Grant } from '../../core/auth/permissions.js';
import { ROLE_INFO, type Role } from '../../core/auth/roles.js';
import { api, whenSignedOut } from '../api/client.js';
import type { Me } from '../api/types.js';

export interface Session {
  /** The signed-in user, null when signed out, undefined while the first check runs. */
  readonly me: Me | null | undefined;
  readonly signIn: (username: string, password: string) => Promise<void>;
  readonly signOut: () => Promise<void>;
  readonly refresh: () => Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { readonly children: ReactNode }): ReactNode {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const refresh = useCallback(async () => {
    try {
      setMe(await api.get<Me>('/api/auth/me'));
    } catch {
      setMe(null);
    }
  }, []);
  useEffect(() => {
    whenSignedOut(() => setMe(null));
    api.get<Me>('/api/auth/me').then(setMe, () => setMe(null));
  }, []);
  const signIn = useCallback(async (username: string, password: string) => {
    const { user } = await api.post<{ user: Me }>('/api/auth/sign-in', { username, password });
    setMe(user);
  }, []);
  const signOut = useCallback(async () => {
    try {
      await api.post('/api/auth/sign-out');
    } finally {
      setMe(null);
    }
  }, []);
  const value = useMemo(() => ({ me, signIn, signOut, refresh }), [me, signIn, signOut, refresh]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

/** The signed-in user; only for pages rendered behind the sign-in gate. */
export function useMe(): Me {
  const { me } = useSession();
  if (!me) throw new Error('useMe without a signed-in user');
  return me;
}

const grantsOf = (me: Me): Grant[] =>
  me.grants.map((g) => ({ ...g, expiresAt: g.expiresAt === null ? null : new Date(g.expiresAt) }));

/**
 * May the signed-in user do `action` in the study (at the site)? The same rule the server applies, from
 * the shared core: the page only decides what to offer; the server still decides what is allowed.
 */
export function useCan(): (action: Action, studyId?: string | null, siteId?: string | null) => boolean {
  const me = useMe();
  const grants = useMemo(() => grantsOf(me), [me]);
  return useCallback(
    (action, studyId, siteId) =>
      findGrant(grants, action, { studyId: studyId ?? null, siteId: siteId ?? null }) !== null,
    [grants],
  );
}

/** The roles the user holds in a study (global grants included), most specific first. */
export function rolesIn(me: Me, studyId: string): Role[] {
  const roles = me.grants.filter((g) => g.studyId === studyId || g.studyId === null).map((g) => g.role);
  return [...new Set(roles)];
}

/** Is every role the user holds in the study blinded? (The server enforces it; the page says it.) */
export const isBlindedIn = (me: Me, studyId: string): boolean =>
  rolesIn(me, studyId).every((r) => ROLE_INFO[r].blinded);
