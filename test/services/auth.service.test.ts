import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthService } from '../../src/services/auth/auth.service.js';
import { hashPassword, verifyPassword } from '../../src/services/auth/password.js';
import { ensureAdmin } from '../../src/services/bootstrap.js';
import type { Database } from '../../src/store/database.js';
import { openDatabase } from '../../src/store/database.js';
import { Store } from '../../src/store/store.js';
import { engines, unique } from '../support/engines.js';
import { authSettings, PASSWORD, world, type World } from '../support/fixtures.js';

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
    expect(entry?.newValue).toEqual({ username, reason: 'unknown user', throttledUntil: null });
  });

  /** The outcome of a sign-in: 'ok' or the error's code. */
  const attempt = (auth: AuthService, username: string, password: string, source?: string) =>
    auth.signIn({ username, password }, source).then(
      () => 'ok',
      (e: { code: string }) => e.code,
    );

  it('makes one source wait after five failures for an account, while the owner signs in from theirs', async () => {
    const caller = await w.user([]);
    const outcomes: string[] = [];
    for (let i = 0; i < 6; i++)
      outcomes.push(await attempt(w.services.auth, caller.username, 'nope nope nope', 'ip:10.0.0.66'));
    expect(outcomes).toEqual([...Array(5).fill('unauthenticated'), 'rate_limited']);
    // Even the right password waits from that source: it is not checked at all.
    await expect(
      w.services.auth.signIn({ username: caller.username, password: PASSWORD }, 'ip:10.0.0.66'),
    ).rejects.toMatchObject({
      code: 'rate_limited',
      details: { retryAfterSeconds: expect.any(Number) as number },
    });
    // The account is not locked: its owner, elsewhere, signs in.
    await expect(
      w.services.auth.signIn({ username: caller.username, password: PASSWORD }, 'ip:10.0.0.7'),
    ).resolves.toMatchObject({ token: expect.stringMatching(/^td_/) as string });
    const failed = await failures(caller.username);
    expect(failed).toHaveLength(5);
    expect(failed.map((e) => (e.newValue as { throttledUntil: unknown }).throttledUntil === null)).toEqual([
      true,
      true,
      true,
      true,
      false,
    ]);
  });

  it('answers an unknown username exactly as a known one, throttle included', async () => {
    const known = await w.user([]);
    const unknown = `nobody-${unique()}`;
    const run = async (username: string) => {
      const outcomes: string[] = [];
      for (let i = 0; i < 6; i++)
        outcomes.push(await attempt(w.services.auth, username, 'guess guess', 'ip:a'));
      return outcomes;
    };
    expect(await run(unknown)).toEqual(await run(known.username));
  });

  it('makes a source wait after 20 failures over any accounts, and only that source', async () => {
    const auth = new AuthService(w.store, { ...authSettings, signInSourceAttempts: 3 });
    const caller = await w.user([]);
    const names = [`x-${unique()}`, `y-${unique()}`, caller.username];
    for (const name of names)
      expect(await attempt(auth, name, 'sprayed password', 'ip:10.9.9.9')).toBe('unauthenticated');
    expect(await attempt(auth, `z-${unique()}`, 'sprayed password', 'ip:10.9.9.9')).toBe('rate_limited');
    expect(await attempt(auth, caller.username, PASSWORD, 'ip:10.9.9.9')).toBe('rate_limited');
    expect(await attempt(auth, caller.username, PASSWORD, 'ip:10.1.1.1')).toBe('ok');
  });

  it('forgets failures once the window has passed, then counts afresh', async () => {
    let now = Date.now();
    const auth = new AuthService(w.store, { ...authSettings, clock: () => now });
    const caller = await w.user([]);
    const wrong = () => attempt(auth, caller.username, 'wrong wrong wrong', 'ip:b');
    for (let i = 0; i < 5; i++) expect(await wrong()).toBe('unauthenticated');
    expect(await wrong()).toBe('rate_limited');
    now += 14 * 60_000;
    expect(await wrong()).toBe('rate_limited');
    now += 61_000;
    const outcomes: string[] = [];
    for (let i = 0; i < 6; i++) outcomes.push(await wrong());
    expect(outcomes).toEqual([...Array(5).fill('unauthenticated'), 'rate_limited']);
  });

  it('counts parallel guesses one by one: no more than five are checked', async () => {
    const caller = await w.user([]);
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, () => attempt(w.services.auth, caller.username, 'parallel guess', 'ip:c')),
    );
    expect(outcomes.filter((o) => o === 'unauthenticated')).toHaveLength(5);
    expect(outcomes.filter((o) => o === 'rate_limited')).toHaveLength(3);
    expect(await failures(caller.username)).toHaveLength(5);
  });

  it('throttles wrong passwords at re-authentication per session, without locking the account', async () => {
    const caller = await w.user([]);
    for (let i = 0; i < 5; i++)
      await expect(w.services.auth.reauthenticate(caller, 'not it at all')).rejects.toMatchObject({
        code: 'unauthenticated',
      });
    await expect(w.services.auth.reauthenticate(caller, PASSWORD)).rejects.toMatchObject({
      code: 'rate_limited',
    });
    await expect(
      w.services.auth.signIn({ username: caller.username, password: PASSWORD }),
    ).resolves.toBeDefined();
  });

  it('tells a disabled account apart only to someone who knows its password', async () => {
    const caller = await w.user([]);
    const { sql } = await import('kysely');
    await sql`update users set disabled = true where id = ${caller.userId}`.execute(database.db);
    await expect(
      w.services.auth.signIn({ username: caller.username, password: 'not the password' }, 'ip:d'),
    ).rejects.toMatchObject({ code: 'unauthenticated', message: 'Wrong username or password' });
    await expect(
      w.services.auth.signIn({ username: caller.username, password: PASSWORD }, 'ip:d'),
    ).rejects.toMatchObject({ code: 'unauthenticated', message: 'This account is disabled' });
  });

  it('forgets a pair’s failures on a successful sign-in', async () => {
    const caller = await w.user([]);
    for (let i = 0; i < 4; i++)
      expect(await attempt(w.services.auth, caller.username, 'bad bad bad', 'ip:e')).toBe('unauthenticated');
    expect(await attempt(w.services.auth, caller.username, PASSWORD, 'ip:e')).toBe('ok');
    for (let i = 0; i < 4; i++)
      expect(await attempt(w.services.auth, caller.username, 'bad bad bad', 'ip:e')).toBe('unauthenticated');
    expect(await attempt(w.services.auth, caller.username, PASSWORD, 'ip:e')).toBe('ok');
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
