import { PERMISSIONS, findGrant, type Action, type Grant, type Target } from '../core/auth/permissions.js';
import type { Role } from '../core/auth/roles.js';
import { forbidden, DomainError } from '../core/errors.js';
import type { AuditActor } from '../store/store.js';

/** The authenticated user behind a request, with the grants loaded when they signed in. */
export interface Caller {
  readonly userId: string;
  readonly username: string;
  readonly displayName: string;
  readonly grants: readonly Grant[];
  readonly sessionId: string;
  readonly mustChangePassword: boolean;
}

/**
 * Checks the caller may perform `action` on `target` and returns the audit actor, carrying the
 * role that allowed it. Every service call that touches data goes through here.
 */
export function authorize(caller: Caller, action: Action, target: Target = {}): AuditActor {
  ensurePasswordChanged(caller, action);
  const grant = findGrant(caller.grants, action, target);
  if (!grant) throw forbidden(action, describeTarget(target));
  return actorFor(caller, grant.role);
}

/** A caller still on a one-time password may only change it (and sign out). */
export function ensurePasswordChanged(caller: Caller, action: string): void {
  if (caller.mustChangePassword)
    throw new DomainError('forbidden', 'Change your one-time password before doing anything else', {
      action,
      reason: 'password_change_required',
    });
}

export const actorFor = (caller: Caller, role: Role | 'self'): AuditActor => ({
  userId: caller.userId,
  name: caller.username,
  role,
});

/** The actor for work the server does itself (start-up tasks). */
export const SYSTEM_ACTOR: AuditActor = { userId: null, name: 'system', role: 'system' };

/** Study ids the caller holds any live grant in; null means every study (a global grant). */
export function visibleStudyIds(caller: Caller): readonly string[] | null {
  ensurePasswordChanged(caller, 'study.read');
  const live = caller.grants.filter((g) => g.expiresAt === null || g.expiresAt > new Date());
  if (live.some((g) => g.studyId === null && (g.role === 'admin' || g.role === 'data_manager'))) return null;
  return [...new Set(live.map((g) => g.studyId).filter((s): s is string => s !== null))];
}

/**
 * Where the caller may perform `action`: null for everywhere (a global grant), otherwise the ids of
 * the studies in which one of their grants allows it.
 */
export function studiesAllowing(caller: Caller, action: Action): readonly string[] | null {
  ensurePasswordChanged(caller, action);
  if (findGrant(caller.grants, action, {}) !== null) return null;
  const studyIds = new Set(caller.grants.map((g) => g.studyId).filter((s): s is string => s !== null));
  return [...studyIds].filter((studyId) => findGrant(caller.grants, action, { studyId }) !== null);
}

/**
 * The sites of a study at which the caller may perform `action`: null for all of them (a study-wide
 * or global grant), otherwise the site ids of their site grants. Throws when they may not at all.
 */
export function sitesAllowing(caller: Caller, action: Action, studyId: string): readonly string[] | null {
  ensurePasswordChanged(caller, action);
  const live = caller.grants.filter(
    (g) =>
      PERMISSIONS[action].includes(g.role) &&
      (g.expiresAt === null || g.expiresAt > new Date()) &&
      (g.studyId === null || g.studyId === studyId),
  );
  if (live.length === 0) throw forbidden(action, describeTarget({ studyId }));
  if (live.some((g) => g.siteId === null)) return null;
  return [...new Set(live.map((g) => g.siteId).filter((s): s is string => s !== null))];
}

/** Whether the caller may see masked allocations in this study (the unblinded statistician). */
export const seesArms = (caller: Caller, studyId: string): boolean =>
  findGrant(caller.grants, 'allocation.unblinded', { studyId }) !== null;

function describeTarget(t: Target): string | undefined {
  if (t.siteId) return 'you hold no role that allows it at this site';
  if (t.studyId) return 'you hold no role that allows it in this study';
  return 'you hold no role that allows it';
}
