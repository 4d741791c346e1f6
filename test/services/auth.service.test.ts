import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthService } from '../../src/services/auth/auth.service.js';
import { hashPassword, verifyPassword } from '../../src/services/auth/password.js';
import { ensureAdmin } from '../../src/services/bootstrap.js';
import type { Database } from '../../src/store/database.js';
import { openDatabase } from '../../src/store/database.js';
import { Store } from '../../src/store/store.js';
import { engines, unique } from '../support/engines.js';
import { PASSWORD, world, type World } from '../support/fixtures.js';

describe('password hashing', () => {
  it('uses scrypt with its parameters in the hash, and verifies only the right password', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(hash).toMatch(/^scrypt\$32768\$8\$3\$[\w-]+\$[\w-]+$/);
    expect(await verifyPassword('correct horse battery staple', hash)).toBe(true);
    expect(await verifyPassword('correct horse battery stapl', hash)).toBe(false);
    expect(await hashPassword('correct horse battery staple')).not.toBe(hash); // salted
  });
});

describe.each(engines())('authentication on $name', (engine) => {
  let database: Database;
  let w: World;
  beforeAll(async () => {
    database = await engine.open();
    w = world(database);
  });
  afterAll(() => database.close());

  const failures = async (username: string) =>
    (
      await w.store.read((r) => r.audit.list({ chain: 'global', limit: 1000, action: 'auth.sign_in_failed' }))
    ).filter((e) => e.actorName === username);

  it('signs in, authenticates the session, and signs out for good', async () => {
    const caller = await w.user([], `alice-${unique()}`);
    const issued = await w.services.auth.signIn({ username: caller.username, password: PASSWORD });
    const again = await w.services.auth.authenticate(issued.token);
    expect(again.userId).toBe(caller.userId);
    await w.services.auth.signOut(again);
    await expect(w.services.auth.authenticate(issued.token)).rejects.toMatchObject({
      code: 'unauthenticated',
    });
  });

  it('refuses a wrong password with 401 and audits the failure', async () => {
    const caller = await w.user([]);
    await expect(
      w.services.auth.signIn({ username: caller.username, password: 'wrong password!' }),
    ).rejects.toMatchObject({
      code: 'unauthenticated',
      message: 'Wrong username or password',
    });
    expect(await failures(caller.username)).toHaveLength(1);
  });

  it('refuses an unknown user with the same message, and audits the attempt', async () => {
    const username = `nobody-${unique()}`;
    await expect(w.services.auth.signIn({ username, password: 'whatever it is' })).rejects.toMatchObject({
      message: 'Wrong username or password',
    });
    const [entry] = await failures(username);
    expect(entry?.newValue).toEqual({ username, reason: 'unknown user' });
  });

  it('locks the account after five failures, refusing even the right password', async () => {
    const caller = await w.user([]);
    for (let i = 0; i < 4; i++)
      await expect(
        w.services.auth.signIn({ username: caller.username, password: 'nope nope nope' }),
      ).rejects.toMatchObject({
        code: 'unauthenticated',
      });
    await expect(
      w.services.auth.signIn({ username: caller.username, password: 'nope nope nope' }),
    ).rejects.toMatchObject({
      code: 'account_locked',
    });
    await expect(
      w.services.auth.signIn({ username: caller.username, password: PASSWORD }),
    ).rejects.toMatchObject({
      code: 'account_locked',
    });
    const locked = await w.store.read((r) =>
      r.audit.list({ chain: 'global', action: 'auth.sign_in_failed_locked', limit: 1000 }),
    );
    expect(locked.some((e) => e.entityId === caller.userId)).toBe(true);
  });

  it('locks again after a lapsed lock: the count starts afresh, it does not stop counting', async () => {
    const caller = await w.user([]);
    const { sql } = await import('kysely');
    await sql`update users set failed_sign_ins = 5, locked_until = now() - interval '1 minute' where id = ${caller.userId}`.execute(
      database.db,
    );
    const outcomes: string[] = [];
    for (let i = 0; i < 6; i++)
      outcomes.push(
        await w.services.auth.signIn({ username: caller.username, password: 'wrong wrong wrong' }).then(
          () => 'ok',
          (e: { code: string }) => e.code,
        ),
      );
    expect(outcomes).toEqual([...Array(4).fill('unauthenticated'), 'account_locked', 'account_locked']);
  });

  it('counts parallel guesses one by one: no more than four wrong answers before the lock', async () => {
    const caller = await w.user([]);
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, () =>
        w.services.auth.signIn({ username: caller.username, password: 'parallel guess' }).then(
          () => 'ok',
          (e: { code: string }) => e.code,
        ),
      ),
    );
    expect(outcomes.filter((o) => o === 'unauthenticated')).toHaveLength(4);
    expect(outcomes.filter((o) => o === 'account_locked')).toHaveLength(4);
  });

  it('counts a wrong password at re-authentication towards the lockout', async () => {
    const caller = await w.user([]);
    for (let i = 0; i < 4; i++)
      await expect(w.services.auth.reauthenticate(caller, 'not it at all')).rejects.toMatchObject({
        code: 'unauthenticated',
      });
    await expect(w.services.auth.reauthenticate(caller, 'not it at all')).rejects.toMatchObject({
      code: 'account_locked',
    });
  });

  it('resets the failure count on a successful sign-in', async () => {
    const caller = await w.user([]);
    for (let i = 0; i < 4; i++)
      await w.services.auth.signIn({ username: caller.username, password: 'bad bad bad' }).catch(() => null);
    await w.services.auth.signIn({ username: caller.username, password: PASSWORD });
    for (let i = 0; i < 4; i++)
      await w.services.auth.signIn({ username: caller.username, password: 'bad bad bad' }).catch(() => null);
    await expect(
      w.services.auth.signIn({ username: caller.username, password: PASSWORD }),
    ).resolves.toBeDefined();
  });

  it('rejects a missing, unknown or expired session', async () => {
    await expect(w.services.auth.authenticate(undefined)).rejects.toMatchObject({ code: 'unauthenticated' });
    await expect(w.services.auth.authenticate('td_not-a-real-token')).rejects.toMatchObject({
      code: 'unauthenticated',
    });
    const caller = await w.user([]);
    const shortLived = new AuthService(new Store(database), {
      sessionHours: 1,
      lockoutAttempts: 5,
      lockoutMinutes: 15,
    });
    const issued = await shortLived.signIn({ username: caller.username, password: PASSWORD });
    expect(issued.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(3_600_000);
    // Move the session's expiry into the past, as time would.
    const { sql } = await import('kysely');
    await sql`update sessions set expires_at = now() - interval '1 second' where user_id = ${caller.userId}`.execute(
      database.db,
    );
    await expect(shortLived.authenticate(issued.token)).rejects.toMatchObject({
      message: expect.stringMatching(/expired/),
    });
  });

  it('issues API tokens that authenticate like sessions', async () => {
    const caller = await w.user([{ role: 'admin' }]);
    const t = await w.services.auth.createApiToken(caller, { name: 'ci', days: 1 });
    expect(t.token).toMatch(/^td_[\w-]{43}$/);
    expect((await w.services.auth.authenticate(t.token)).username).toBe(caller.username);
  });

  it('makes a user on a one-time password change it before anything else', async () => {
    const admin = await w.admin();
    const created = await w.services.users.create(admin, {
      username: `otp-${unique()}`,
      displayName: 'New user',
    });
    expect(created.oneTimePassword).toMatch(/^[\w-]{24}$/);
    const issued = await w.services.auth.signIn({
      username: created.user.username,
      password: created.oneTimePassword!,
    });
    expect(issued.mustChangePassword).toBe(true);
    const caller = await w.services.auth.authenticate(issued.token);
    await expect(w.services.studies.list(caller)).rejects.toMatchObject({
      code: 'forbidden',
      details: { reason: 'password_change_required' },
    });
    await expect(
      w.services.auth.changePassword(caller, {
        currentPassword: 'not the password',
        newPassword: 'a brand new password',
      }),
    ).rejects.toMatchObject({ code: 'unauthenticated' });
    await w.services.auth.changePassword(caller, {
      currentPassword: created.oneTimePassword!,
      newPassword: 'a brand new password',
    });
    const next = await w.services.auth.signIn({
      username: created.user.username,
      password: 'a brand new password',
    });
    expect(next.mustChangePassword).toBe(false);
    await expect(w.services.studies.list(await w.services.auth.authenticate(next.token))).resolves.toEqual(
      [],
    );
  });
});

describe('first start', () => {
  it('creates one admin with a one-time password on an empty database, and never again', async () => {
    const database = await openDatabase({ dataDir: 'memory://' });
    const store = new Store(database);
    try {
      const first = await ensureAdmin(store, undefined);
      expect(first).toMatchObject({
        username: 'admin',
        oneTimePassword: expect.stringMatching(/^[\w-]{24}$/),
      });
      expect(await ensureAdmin(store, undefined)).toBeNull();
      const grants = await store.read(async (r) =>
        r.grants.forUser((await r.users.credentialsByUsername('admin'))!.id),
      );
      expect(grants.map((g) => g.role)).toEqual(['admin']);
    } finally {
      await database.close();
    }
  });

  it('uses TRIALDESK_ADMIN_PASSWORD when given, with no forced change', async () => {
    const database = await openDatabase({ dataDir: 'memory://' });
    const store = new Store(database);
    try {
      expect(await ensureAdmin(store, PASSWORD)).toEqual({ username: 'admin', oneTimePassword: null });
      const auth = new AuthService(store, { sessionHours: 1, lockoutAttempts: 5, lockoutMinutes: 15 });
      expect((await auth.signIn({ username: 'ADMIN', password: PASSWORD })).mustChangePassword).toBe(false);
    } finally {
      await database.close();
    }
  });
});
