import { createHash, randomBytes } from 'node:crypto';
import { DomainError, notFound } from '../../core/errors.js';
import type { TokenRecord } from '../../store/repositories/session.repository.js';
export type { TokenRecord };
import type { Store } from '../../store/store.js';
import { LOCAL_SOURCE } from './hash-limiter.js';
import { actorFor, authorize, ensurePasswordChanged, type Caller } from '../caller.js';
import type { ChangePasswordInput, CreateTokenInput, SignInInput } from './auth.schemas.js';
import { burnPasswordCheck, hashPassword, verifyPassword } from './password.js';
import { SignInThrottle } from './sign-in-throttle.js';

export interface AuthSettings {
  readonly sessionHours: number;
  /** Failed password checks for one account from one source before that pair must wait. */
  readonly lockoutAttempts: number;
  /** How long failures are remembered, and so how long a throttled pair or source waits. */
  readonly lockoutMinutes: number;
  /** Failed password checks from one source, over all accounts, before it must wait (default 20). */
  readonly signInSourceAttempts?: number;
  /** The clock of the throttle (tests move it instead of sleeping). */
  readonly clock?: () => number;
}

export interface IssuedToken {
  /** The secret: shown once, stored only as its SHA-256. */
  readonly token: string;
  readonly expiresAt: Date;
  readonly mustChangePassword: boolean;
}

const newToken = (): string => `td_${randomBytes(32).toString('base64url')}`;
const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');

const badCredentials = (): DomainError => new DomainError('unauthenticated', 'Wrong username or password');

export class AuthService {
  private readonly throttle: SignInThrottle;

  constructor(
    private readonly store: Store,
    private readonly settings: AuthSettings,
  ) {
    this.throttle = new SignInThrottle(
      {
        perAccountAndSource: settings.lockoutAttempts,
        perSource: settings.signInSourceAttempts ?? 20,
        windowMs: settings.lockoutMinutes * 60_000,
      },
      settings.clock,
    );
  }

  /**
   * Signs a user in and opens a session. `source` is the caller's address (the CLI has none).
   * An unknown username and a wrong password give the same answer, after the same work (a password
   * check either way), and count the same towards the throttle: nothing tells accounts apart. Too
   * many failures make that account-and-source pair (or that source) wait, answered with 429 and
   * Retry-After; the account itself is never locked, so a guesser cannot lock its owner out.
   * Failures are audited (and committed).
   */
  async signIn(input: SignInInput, source: string = LOCAL_SOURCE): Promise<IssuedToken> {
    const account = input.username.trim().toLowerCase();
    const ticket = this.throttle.begin(account, source);
    try {
      const user = await this.store.read((r) => r.users.credentialsByUsername(account));
      const actor = { userId: user?.id ?? null, name: account, role: 'self' };
      let ok = false;
      if (user) ok = await verifyPassword(input.password, user.passwordHash, source);
      else await burnPasswordCheck(input.password, source);
      if (!user || !ok) {
        const throttledUntil = ticket.failed();
        await this.store.write(actor, (r) =>
          user
            ? r.users.recordFailedSignIn(user.id, throttledUntil)
            : r.users.recordUnknownSignIn(account, throttledUntil),
        );
        throw badCredentials();
      }
      // Only someone who knows the password learns that the account is disabled.
      if (user.disabled) throw new DomainError('unauthenticated', 'This account is disabled');
      ticket.succeeded();
      const token = newToken();
      const expiresAt = new Date(Date.now() + this.settings.sessionHours * 3_600_000);
      await this.store.write(actor, async (r) => {
        await r.users.recordSignIn(user);
        await r.sessions.create({
          userId: user.id,
          tokenHash: tokenHash(token),
          kind: 'session',
          name: null,
          expiresAt,
        });
      });
      return { token, expiresAt, mustChangePassword: user.mustChangePassword };
    } finally {
      ticket.release();
    }
  }

  /** The caller behind a session cookie or API token; unknown, expired or revoked → 401. */
  async authenticate(token: string | undefined): Promise<Caller> {
    if (!token)
      throw new DomainError('unauthenticated', 'Sign in first: no session cookie or API token was sent');
    const now = new Date();
    const found = await this.store.read(async (r) => {
      const session = await r.sessions.findActive(tokenHash(token), now);
      if (!session) return undefined;
      const user = await r.users.get(session.userId);
      const grants = await r.grants.forUser(session.userId);
      return user && { session, user, grants };
    });
    if (!found || found.user.disabled)
      throw new DomainError('unauthenticated', 'Your session has expired or was signed out: sign in again');
    const { session, user, grants } = found;
    return {
      userId: user.id,
      username: user.username,
      displayName: user.displayName,
      grants: grants.map((g) => ({
        role: g.role,
        studyId: g.studyId,
        siteId: g.siteId,
        expiresAt: g.expiresAt,
      })),
      sessionId: session.id,
      mustChangePassword: user.mustChangePassword,
    };
  }

  async signOut(caller: Caller): Promise<void> {
    await this.store.write(actorFor(caller, 'self'), async (r) => {
      const session = await r.sessions.getActiveById(caller.sessionId);
      if (session) await r.sessions.revoke(session);
    });
  }

  /**
   * Re-checks the caller's password (for signatures, unblinding, password changes). Wrong answers
   * are throttled per session like sign-ins per source: a stolen session cannot guess on and on.
   */
  async reauthenticate(caller: Caller, password: string): Promise<void> {
    const ticket = this.throttle.begin(caller.username, `session:${caller.sessionId}`);
    try {
      const user = await this.store.read((r) => r.users.credentialsByUsername(caller.username));
      if (!user) throw new DomainError('unauthenticated', 'Your account no longer exists');
      if (await verifyPassword(password, user.passwordHash)) {
        ticket.succeeded();
        return;
      }
      const throttledUntil = ticket.failed();
      await this.store.write(actorFor(caller, 'self'), (r) =>
        r.users.recordFailedSignIn(user.id, throttledUntil),
      );
      throw new DomainError('unauthenticated', 'Password check failed: the password is wrong');
    } finally {
      ticket.release();
    }
  }

  /**
   * Changes the caller's password and ends every other session and API token of theirs in the same
   * transaction (whoever knew the old password may hold one); the session that changed it goes on.
   */
  async changePassword(caller: Caller, input: ChangePasswordInput): Promise<void> {
    await this.reauthenticate(caller, input.currentPassword);
    if (input.currentPassword === input.newPassword)
      throw new DomainError('validation', 'The new password must differ from the current one', {
        issues: [{ path: 'newPassword', message: 'must differ from the current password' }],
      });
    const hash = await hashPassword(input.newPassword);
    await this.store.write(actorFor(caller, 'self'), async (r) => {
      const user = await r.users.get(caller.userId);
      if (!user) throw new DomainError('unauthenticated', 'Your account no longer exists');
      await r.users.setPassword(user, hash, false);
      await r.sessions.revokeAllOfUser(user.id, caller.sessionId, 'password changed');
    });
  }

  /** A long-lived API token for scripts and the CLI against a remote server. */
  async createApiToken(caller: Caller, input: CreateTokenInput): Promise<IssuedToken> {
    ensurePasswordChanged(caller, 'auth.token_create');
    const token = newToken();
    const expiresAt = new Date(Date.now() + input.days * 86_400_000);
    await this.store.write(actorFor(caller, 'self'), (r) =>
      r.sessions.create({
        userId: caller.userId,
        tokenHash: tokenHash(token),
        kind: 'api',
        name: input.name,
        expiresAt,
      }),
    );
    return { token, expiresAt, mustChangePassword: false };
  }

  /**
   * Live API tokens (never their secrets): the caller's own, or, for an admin, another user's
   * (`userId`) or everyone's (`userId` null).
   */
  async listTokens(caller: Caller, userId: string | null): Promise<TokenRecord[]> {
    if (userId === caller.userId) ensurePasswordChanged(caller, 'auth.token_list');
    else authorize(caller, 'user.manage');
    return this.store.read(async (r) => {
      if (userId !== null && !(await r.users.get(userId))) throw notFound('User', userId);
      return r.sessions.listTokens(userId, new Date());
    });
  }

  /** Revokes a live API token: the owner's own, or anyone's by an admin; audited with the reason. */
  async revokeToken(caller: Caller, tokenId: string, reason: string | null): Promise<void> {
    const token = await this.store.read((r) => r.sessions.getActiveById(tokenId));
    // A session cookie is not a token: ended by signing out (or a password change), not here.
    if (!token || token.kind !== 'api') throw notFound('API token', tokenId);
    let actor;
    if (token.userId === caller.userId) {
      ensurePasswordChanged(caller, 'auth.token_revoke');
      actor = actorFor(caller, 'self');
    } else actor = authorize(caller, 'user.manage');
    await this.store.write(actor, async (r) => {
      const live = await r.sessions.getActiveById(tokenId);
      if (!live) throw notFound('API token', tokenId);
      await r.sessions.revoke(live, reason);
    });
  }
}
