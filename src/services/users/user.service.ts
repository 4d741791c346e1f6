import { ROLES, ROLE_INFO, grantScopeOf, type GrantScope, type Role } from '../../core/auth/roles.js';
import { DomainError, conflict, forbidden, notFound, validationError } from '../../core/errors.js';
import type { GrantRecord, GrantWithGrantor } from '../../store/repositories/grant.repository.js';
import type { UserRecord } from '../../store/repositories/user.repository.js';
import type { Repositories, Store } from '../../store/store.js';
import { generatePassword, hashPassword } from '../auth/password.js';
import { authorize, type Caller } from '../caller.js';
import type { CreateUserInput, GrantRoleInput } from './user.schemas.js';

export interface CreatedUser {
  readonly user: UserRecord;
  /** Present only when the password was generated: shown once, to be handed to the user. */
  readonly oneTimePassword?: string;
}

/** A user in the admin's list, with the unblinded roles they hold: who can see the masked arms. */
export interface UserListEntry extends UserRecord {
  readonly unblindedRoles: readonly GrantWithGrantor[];
}

/** The roles that see masked allocations: granted only by an admin to someone else. */
const UNBLINDED_ROLES: readonly Role[] = ROLES.filter((role) => !ROLE_INFO[role].blinded);

export class UserService {
  constructor(private readonly store: Store) {}

  async list(caller: Caller): Promise<UserListEntry[]> {
    authorize(caller, 'user.manage');
    return this.store.read(async (r) => {
      const unblinded = await r.grants.withRolesAndGrantors(UNBLINDED_ROLES);
      return (await r.users.list()).map((user) => ({
        ...user,
        unblindedRoles: unblinded.filter((g) => g.userId === user.id),
      }));
    });
  }

  async create(caller: Caller, input: CreateUserInput): Promise<CreatedUser> {
    const actor = authorize(caller, 'user.manage');
    const roles = input.roles ?? [];
    roles.forEach((role, i) => checkScope(role, `roles.${i}`));
    const taken = (): DomainError =>
      conflict(`A user named "${input.username}" already exists`, {
        field: 'username',
        issues: [{ path: 'body.username', message: 'already exists: choose another username' }],
      });
    // Refuse a taken name before the deliberately slow hashing; checked again in the transaction.
    if (await this.store.read((r) => r.users.credentialsByUsername(input.username))) throw taken();
    const oneTimePassword = input.password === undefined ? generatePassword() : undefined;
    const passwordHash = await hashPassword(input.password ?? oneTimePassword ?? '');
    const user = await this.store.write(actor, async (r) => {
      if (await r.users.credentialsByUsername(input.username)) throw taken();
      const user = await r.users.create({
        username: input.username,
        displayName: input.displayName,
        email: input.email ?? null,
        passwordHash,
        mustChangePassword: oneTimePassword !== undefined,
      });
      for (const [i, role] of roles.entries()) {
        await checkTargets(r, role, `roles.${i}`);
        await r.grants.create({
          userId: user.id,
          role: role.role,
          studyId: role.studyId ?? null,
          siteId: role.siteId ?? null,
          expiresAt: role.expiresAt ? new Date(role.expiresAt) : null,
        });
      }
      return user;
    });
    return oneTimePassword === undefined ? { user } : { user, oneTimePassword };
  }

  async grants(caller: Caller, userId: string): Promise<GrantRecord[]> {
    if (caller.userId !== userId) authorize(caller, 'user.manage');
    return this.store.read(async (r) => {
      if (!(await r.users.get(userId))) throw notFound('User', userId);
      return r.grants.forUser(userId);
    });
  }

  /**
   * Grants a role in a scope the role allows (see ROLE_INFO). An admin grants anything; a data
   * manager grants study roles in the studies they manage, never admin or global roles.
   */
  async grant(caller: Caller, userId: string, input: GrantRoleInput): Promise<GrantRecord> {
    const scope = checkScope(input, '');
    // Global roles and the unblinded role are the admin's to grant: a blinded data manager must not be
    // able to unblind anyone, themselves included. Nobody but an admin grants themself anything.
    const unblinded = !ROLE_INFO[input.role].blinded;
    const adminOnly = scope === 'global' || unblinded || userId === caller.userId;
    const actor = adminOnly
      ? authorize(caller, 'user.manage')
      : authorize(caller, 'grant.manage', { studyId: input.studyId ?? null });
    // The admin is blinded: unblinding takes a second person, another admin (docs/reference/api.md, Roles).
    if (unblinded && userId === caller.userId)
      throw forbidden(
        `grant ${input.role}`,
        'an unblinded role is granted by another administrator, never to oneself',
      );
    const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null;
    return this.store.write(actor, async (r) => {
      if (!(await r.users.get(userId))) throw notFound('User', userId);
      await checkTargets(r, input, '');
      const existing = (await r.grants.forUser(userId)).find(
        (g) =>
          g.role === input.role &&
          g.studyId === (input.studyId ?? null) &&
          g.siteId === (input.siteId ?? null),
      );
      if (existing)
        throw conflict('The user already holds this role in this scope', { grantId: existing.id });
      return r.grants.create({
        userId,
        role: input.role,
        studyId: input.studyId ?? null,
        siteId: input.siteId ?? null,
        expiresAt,
      });
    });
  }

  /** Revokes a grant; the reason is required and kept in the audit trail, as the web app asks for it. */
  async revoke(caller: Caller, grantId: string, reason: string): Promise<void> {
    const grant = await this.store.read((r) => r.grants.get(grantId));
    if (!grant) throw notFound('Role grant', grantId);
    const actor =
      grant.studyId === null
        ? authorize(caller, 'user.manage')
        : authorize(caller, 'grant.manage', { studyId: grant.studyId });
    if (reason.trim() === '')
      throw validationError('A revocation needs a reason', [
        { path: 'reason', message: 'is required: it is kept in the audit trail' },
      ]);
    if (grant.userId === caller.userId && grant.role === 'admin')
      throw new DomainError('conflict', 'You cannot revoke your own admin role');
    await this.store.write(actor, (r) => r.grants.revoke(grant, reason));
  }
}

/** Checks the role is granted in a scope it allows, and not already expired; returns the scope. */
function checkScope(input: GrantRoleInput, prefix: string): GrantScope {
  const at = (field: string): string => (prefix ? `${prefix}.${field}` : field);
  const scope = grantScopeOf({ studyId: input.studyId ?? null, siteId: input.siteId ?? null });
  const allowed = ROLE_INFO[input.role].scopes;
  if (!allowed.includes(scope))
    throw validationError(`The role ${input.role} is granted per ${allowed.join(' or ')}, not ${scope}`, [
      {
        path: at(allowed.includes('site') ? 'siteId' : 'studyId'),
        message: `${input.role} needs ${describeScopes(allowed)}`,
      },
    ]);
  if (input.expiresAt && new Date(input.expiresAt) <= new Date())
    throw validationError('The grant would already be expired', [
      { path: at('expiresAt'), message: 'must be in the future' },
    ]);
  return scope;
}

/** Checks the study exists and the site belongs to it. */
async function checkTargets(r: Repositories, input: GrantRoleInput, prefix: string): Promise<void> {
  if (input.studyId && !(await r.studies.get(input.studyId))) throw notFound('Study', input.studyId);
  if (input.siteId) {
    const site = await r.sites.get(input.siteId);
    if (!site || site.studyId !== input.studyId)
      throw validationError('The site is not a site of that study', [
        { path: prefix ? `${prefix}.siteId` : 'siteId', message: 'not a site of the study' },
      ]);
  }
}

function describeScopes(scopes: readonly string[]): string {
  if (scopes.includes('site')) return 'a studyId and a siteId';
  if (scopes.includes('study') && scopes.includes('global'))
    return 'a studyId, or none for a sponsor-wide grant';
  if (scopes.includes('study')) return 'a studyId';
  return 'no studyId or siteId (it is global)';
}
