import { createHash, randomBytes } from 'node:crypto';
import { DomainError } from '../../core/errors.js';
import type { Repositories, Store } from '../../store/store.js';
import { actorFor, ensurePasswordChanged, type Caller } from '../caller.js';
import type { ChangePasswordInput, CreateTokenInput, SignInInput } from './auth.schemas.js';
import { burnPasswordCheck, hashPassword, verifyPassword } from './password.js';

export interface AuthSettings {
  readonly sessionHours: number;
  readonly lockoutAttempts: number;
  readonly lockoutMinutes: number;
}

export interface IssuedToken {
  /** The secret: shown once, stored only as its SHA-256. */
  readonly token: string;
  readonly expiresAt: Date;
  readonly mustChangePassword: boolean;
}

type Attempt = { kind: 'ok'; expiresAt: Date } | { kind: 'locked'; until: Date } | { kind: 'failed' };

const newToken = (): string => `td_${randomBytes(32).toString('base64url')}`;
const tokenHash = (token: string): string => createHash('sha256').update(token).digest('hex');

const badCredentials = (): DomainError => new DomainError('unauthenticated', 'Wrong username or password');

export class AuthService {
  constructor(
    private readonly store: Store,
    private readonly settings: AuthSettings,
  ) {}

  /**
   * Signs a user in and opens a session. A wrong password counts towards the lockout; reaching the
   * limit locks the account for the configured minutes. Failures are audited (and committed) too.
   * The decision is taken on the user's row locked in the same transaction, so parallel guesses are
   * counted one by one and none is confirmed once the account is locked.
   */
  async signIn(input: SignInInput): Promise<IssuedToken> {
    const user = await this.store.read((r) => r.users.credentialsByUsername(input.username));
    const actor = { userId: user?.id ?? null, name: input.username.toLowerCase(), role: 'self' };
    if (!user) {
      await burnPasswordCheck(input.password);
      await this.store.write(actor, (r) => r.users.recordUnknownSignIn(input.username));
      throw badCredentials();
    }
    const ok = !user.disabled && (await verifyPassword(input.password, user.passwordHash));
    const token = newToken();
    const outcome = await this.store.write(actor, async (r): Promise<Attempt> => {
      const now = new Date();
      const attempt = await this.settle(r, user.id, ok, now);
      if (attempt.kind !== 'ok') return attempt;
      await r.users.recordSignIn(user);
      const expiresAt = new Date(now.getTime() + this.settings.sessionHours * 3_600_000);
      await r.sessions.create({
        userId: user.id,
        tokenHash: tokenHash(token),
        kind: 'session',
        name: null,
        expiresAt,
      });
      return { kind: 'ok', expiresAt };
    });
    switch (outcome.kind) {
      case 'ok':
        return { token, expiresAt: outcome.expiresAt, mustChangePassword: user.mustChangePassword };
      case 'locked':
        throw lockedError(outcome.until);
      case 'failed':
        throw user.disabled
          ? new DomainError('unauthenticated', 'This account is disabled')
          : badCredentials();
    }
  }

  /** Applies the lockout policy to one checked password, on the locked user row. */
  private async settle(r: Repositories, userId: string, ok: boolean, now: Date): Promise<Attempt> {
    const state = await r.users.lockForSignIn(userId);
    if (state.lockedUntil && state.lockedUntil > now) {
      await r.users.recordRefusedWhileLocked(userId, state.lockedUntil);
      return { kind: 'locked', until: state.lockedUntil };
    }
    if (ok) return { kind: 'ok', expiresAt: now };
    // A lock that has lapsed starts a fresh count.
    const failures = (state.lockedUntil ? 0 : state.failedSignIns) + 1;
    const lockUntil =
      failures >= this.settings.lockoutAttempts
        ? new Date(now.getTime() + this.settings.lockoutMinutes * 60_000)
        : null;
    await r.users.recordFailedSignIn(userId, state.failedSignIns, failures, lockUntil);
    return lockUntil ? { kind: 'locked', until: lockUntil } : { kind: 'failed' };
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

  /** Re-checks the caller's password (for signatures, unblinding, password changes). */
  async reauthenticate(caller: Caller, password: string): Promise<void> {
    const user = await this.store.read((r) => r.users.credentialsByUsername(caller.username));
    if (!user) throw new DomainError('unauthenticated', 'Your account no longer exists');
    const ok = await verifyPassword(password, user.passwordHash);
    // A wrong password here counts towards the lockout like a failed sign-in.
    const outcome = await this.store.write(actorFor(caller, 'self'), (r) =>
      this.settle(r, user.id, ok, new Date()),
    );
    if (outcome.kind === 'locked') throw lockedError(outcome.until);
    if (outcome.kind === 'failed')
      throw new DomainError('unauthenticated', 'Password check failed: the password is wrong');
  }

  async changePassword(caller: Caller, input: ChangePasswordInput): Promise<void> {
    await this.reauthenticate(caller, input.currentPassword);
    if (input.currentPassword === input.newPassword)
      throw new DomainError('validation', 'The new password must differ from the current one', {
        issues: [{ path: 'newPassword', message: 'must differ from the current password' }],
      });
    const hash = await hashPassword(input.newPassword);
    await this.store.write(actorFor(caller, 'self'), async (r) => {
      const user = await r.users.get(caller.userId);
      if (user) await r.users.setPassword(user, hash, false);
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
}

function lockedError(until: Date): DomainError {
  return new DomainError(
    'account_locked',
    `Too many failed sign-ins: the account is locked until ${until.toISOString()}`,
    { lockedUntil: until.toISOString() },
  );
}
