/**
 * The users area's wire shapes, from the user service and repositories (type-only: nothing of the
 * server reaches the bundle), and the request bodies the users page sends.
 */
import type { Role } from '../../core/auth/roles.js';
import type { CreatedUser as CreatedUserRecord, UserListEntry } from '../../services/users/user.service.js';
import type { GrantRecord } from '../../store/repositories/grant.repository.js';
import type { Wire } from './client.js';

/** `GET /api/users`: a user with the unblinded roles they hold and who granted each. */
export type User = Wire<UserListEntry>;
export type UserGrant = Wire<GrantRecord>;
/** `POST /api/users`: the user, and the one-time password when the server generated one (shown once). */
export type CreatedUser = Wire<CreatedUserRecord>;

/** `POST /api/users` without a password: the server generates a one-time password. */
export interface CreateUserBody {
  readonly username: string;
  readonly displayName: string;
  readonly email?: string;
}

/** `POST /api/users/{id}/grants`: study and site only where the role's scope takes them. */
export interface GrantBody {
  readonly role: Role;
  readonly studyId?: string;
  readonly siteId?: string;
}
