import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines, unique } from '../support/engines.js';
import { PASSWORD } from '../support/fixtures.js';
import { expectError, issuePaths, openServer, type TestServer, type TestUser } from './support.js';

interface AuditEntry {
  seq: number;
  at: string;
  actorId: string | null;
  actorName: string;
  actorRole: string;
  action: string;
  entityType: string;
  entityId: string | null;
  oldValue: Record<string, unknown> | null;
  newValue: Record<string, unknown> | null;
  reason: string | null;
}

/** The session cookie a response sets, as light-my-request parses it. */
function sessionCookie(res: LightMyRequestResponse) {
  const cookie = res.cookies.find((c) => c.name === 'trialdesk_session');
  expect(cookie, 'the response sets the session cookie').toBeDefined();
  return cookie as NonNullable<typeof cookie>;
}

describe.each(engines())('authentication over HTTP on $name', (engine) => {
  let s: TestServer;
  let admin: TestUser;

  const signIn = (username: string, password: string) =>
    s.call({ method: 'POST', url: '/api/auth/sign-in', body: { username, password } });
  const me = (token: string) => s.call({ method: 'GET', url: '/api/auth/me', token });
  /** Global-chain entries of one action since `from`, read through the API as the admin. */
  const globalAudit = async (action: string, from: Date): Promise<AuditEntry[]> => {
    const res = await s.call({
      method: 'GET',
      url: `/api/audit?action=${action}&from=${encodeURIComponent(from.toISOString())}&limit=1000`,
      token: admin.token,
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<AuditEntry[]>();
  };

  beforeAll(async () => {
    s = await openServer(engine);
    admin = await s.user([{ role: 'admin' }]);
  });
  afterAll(async () => {
    await s.close();
  });

  it('signs in with an HttpOnly, SameSite=Strict session cookie that /api/auth/me accepts', async () => {
    const u = await s.user([]);
    const res = await signIn(u.username.toUpperCase(), PASSWORD);
    expect(res.statusCode, res.body).toBe(200);
    const cookie = sessionCookie(res);
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(cookie.secure).toBeFalsy();
    expect(cookie.value).toMatch(/^td_/);
    const expires = (cookie.expires as Date).getTime();
    expect(expires).toBeGreaterThan(Date.now() + 11 * 3_600_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 12 * 3_600_000 + 1000);
    const body = res.json<{ user: { userId: string; username: string }; mustChangePassword: boolean }>();
    expect(body.user).toMatchObject({ userId: u.id, username: u.username, grants: [] });
    expect(body.mustChangePassword).toBe(false);
    // The secret travels in the cookie only.
    expect(res.body).not.toContain(cookie.value);

    const who = await me(cookie.value);
    expect(who.statusCode).toBe(200);
    expect(who.json()).toMatchObject({ userId: u.id, username: u.username, mustChangePassword: false });
  });

  it('signs out: the cookie is cleared and the old session is refused with 401', async () => {
    const u = await s.user([]);
    const token = sessionCookie(await signIn(u.username, PASSWORD)).value;
    expect((await me(token)).statusCode).toBe(200);
    const out = await s.call({ method: 'POST', url: '/api/auth/sign-out', token });
    expect(out.statusCode).toBe(204);
    expect(out.body).toBe('');
    const cleared = sessionCookie(out);
    expect(cleared.value).toBe('');
    expect((cleared.expires as Date).getTime()).toBeLessThanOrEqual(Date.now());
    expectError(await me(token), 401, 'unauthenticated');
    expectError(await s.call({ method: 'POST', url: '/api/auth/sign-out', token }), 401, 'unauthenticated');
  });

  it('refuses a wrong password with 401 and audits the failure in the global chain', async () => {
    const u = await s.user([]);
    const from = new Date(Date.now() - 1000);
    const res = await signIn(u.username, 'not the password at all');
    const error = expectError(res, 401, 'unauthenticated');
    expect(error.message).toBe('Wrong username or password');
    expect(res.cookies).toEqual([]);
    const entries = (await globalAudit('auth.sign_in_failed', from)).filter((e) => e.entityId === u.id);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      actorId: u.id,
      actorName: u.username,
      actorRole: 'self',
      entityType: 'user',
      oldValue: { failedSignIns: 0 },
      newValue: { failedSignIns: 1, throttledUntil: null },
    });
  });

  it('refuses an unknown user with the same 401 and audits the attempt', async () => {
    const name = `nobody-${unique()}`;
    const from = new Date(Date.now() - 1000);
    const error = expectError(await signIn(name, PASSWORD), 401, 'unauthenticated');
    expect(error.message).toBe('Wrong username or password');
    const entries = (await globalAudit('auth.sign_in_failed', from)).filter(
      (e) => e.newValue?.username === name,
    );
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      actorId: null,
      actorName: name,
      entityId: null,
      newValue: { username: name, reason: 'unknown user' },
    });
  });

  it('answers a known and an unknown name alike, then 429 with Retry-After; the owner signs in from elsewhere', async () => {
    const u = await s.user([]);
    const from = (remoteAddress: string, username: string, password: string) =>
      s.app.inject({
        method: 'POST',
        url: '/api/auth/sign-in',
        payload: { username, password },
        remoteAddress,
      });
    const answers = async (username: string, remoteAddress: string) => {
      const seen: { status: number; body: unknown; retryAfter: unknown }[] = [];
      for (let i = 1; i <= 6; i++) {
        const res = await from(remoteAddress, username, `wrong password ${i}`);
        const { message, code } = res.json<{ error: { code: string; message: string } }>().error;
        seen.push({
          status: res.statusCode,
          body: { code, message },
          retryAfter: res.headers['retry-after'],
        });
      }
      return seen;
    };
    const known = await answers(u.username, '192.0.2.10');
    expect(known.map((a) => a.status)).toEqual([401, 401, 401, 401, 401, 429]);
    expect(known[5]?.body).toMatchObject({ code: 'rate_limited' });
    const wait = Number(known[5]?.retryAfter);
    expect(wait).toBeGreaterThan(14 * 60);
    expect(wait).toBeLessThanOrEqual(15 * 60);
    // An unknown name: the same statuses, bodies and wait, so nothing tells them apart.
    const unknown = await answers(`nobody-${unique()}`, '192.0.2.11');
    expect(
      unknown.map((a) => ({ ...a, retryAfter: a.retryAfter === undefined ? undefined : 'set' })),
    ).toEqual(known.map((a) => ({ ...a, retryAfter: a.retryAfter === undefined ? undefined : 'set' })));
    // The right password from the guesser's address waits; from the owner's it works: no lockout.
    expectError(await from('192.0.2.10', u.username, PASSWORD), 429, 'rate_limited');
    const owner = await from('198.51.100.20', u.username, PASSWORD);
    expect(owner.statusCode, owner.body).toBe(200);
  });

  it('refuses a missing, garbage or unknown credential with 401', async () => {
    expectError(await s.call({ method: 'GET', url: '/api/auth/me' }), 401, 'unauthenticated');
    const variants: Record<string, string>[] = [
      { cookie: 'trialdesk_session=' },
      { cookie: 'trialdesk_session=garbage' },
      { cookie: `trialdesk_session=td_${'A'.repeat(43)}` },
      { cookie: 'other_cookie=td_x' },
      { authorization: 'Bearer ' },
      { authorization: 'Bearer not-a-token' },
      { authorization: 'Basic dXNlcjpwYXNz' },
    ];
    for (const headers of variants)
      expectError(await s.call({ method: 'GET', url: '/api/auth/me', headers }), 401, 'unauthenticated');
  });

  it('refuses an expired session with 401 while a live one of the same user works', async () => {
    const u = await s.user([]);
    const expired = await s.session(u.id, new Date(Date.now() - 1000));
    expectError(await me(expired), 401, 'unauthenticated');
    expectError(await s.call({ method: 'GET', url: '/api/studies', token: expired }), 401, 'unauthenticated');
    const live = await s.session(u.id, new Date(Date.now() + 60_000));
    expect((await me(live)).statusCode).toBe(200);
  });

  it('creates an API token that works as a Bearer token, independently of the session', async () => {
    const u = await s.user([]);
    const res = await s.call({
      method: 'POST',
      url: '/api/auth/tokens',
      token: u.token,
      body: { name: 'ci' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const issued = res.json<{ token: string; expiresAt: string }>();
    expect(issued.token).toMatch(/^td_/);
    const days = (new Date(issued.expiresAt).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(89.9);
    expect(days).toBeLessThanOrEqual(90);

    const bearer = { authorization: `Bearer ${issued.token}` };
    const who = await s.call({ method: 'GET', url: '/api/auth/me', headers: bearer });
    expect(who.statusCode).toBe(200);
    expect(who.json()).toMatchObject({ userId: u.id });
    // Signing out of the cookie session leaves the API token alive.
    expect((await s.call({ method: 'POST', url: '/api/auth/sign-out', token: u.token })).statusCode).toBe(
      204,
    );
    expect((await s.call({ method: 'GET', url: '/api/studies', headers: bearer })).statusCode).toBe(200);
    // A Bearer header wins over the cookie: a bad one is not rescued by a good cookie.
    const live = await s.session(u.id, new Date(Date.now() + 60_000));
    expectError(
      await s.call({
        method: 'GET',
        url: '/api/auth/me',
        token: live,
        headers: { authorization: 'Bearer td_x' },
      }),
      401,
      'unauthenticated',
    );
  });

  it('validates an API token request', async () => {
    const u = await s.user([]);
    for (const body of [
      {},
      { name: '' },
      { name: 'x', days: 0 },
      { name: 'x', days: 366 },
      { name: 'x', extra: 1 },
    ]) {
      const error = expectError(
        await s.call({ method: 'POST', url: '/api/auth/tokens', token: u.token, body }),
        400,
        'validation',
      );
      expect(issuePaths(error).every((p) => p.startsWith('body'))).toBe(true);
    }
  });

  it('makes a user created without password change the one-time password before anything else', async () => {
    const username = `otp-${unique()}`;
    const created = await s.call({
      method: 'POST',
      url: '/api/users',
      token: admin.token,
      body: { username, displayName: 'One Time' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const { user, oneTimePassword } = created.json<{
      user: { id: string; username: string };
      oneTimePassword: string;
    }>();
    expect(user.username).toBe(username);
    expect(oneTimePassword.length).toBeGreaterThanOrEqual(20);
    expect(created.body).not.toMatch(/passwordHash|scrypt/);

    const signedIn = await signIn(username, oneTimePassword);
    expect(signedIn.statusCode, signedIn.body).toBe(200);
    expect(signedIn.json()).toMatchObject({ mustChangePassword: true });
    const token = sessionCookie(signedIn).value;
    expect((await me(token)).json()).toMatchObject({ mustChangePassword: true });

    for (const [method, url, body] of [
      ['GET', '/api/studies', undefined],
      ['POST', '/api/auth/tokens', { name: 'sneaky' }],
    ] as const) {
      const error = expectError(await s.call({ method, url, token, body }), 403, 'forbidden');
      expect(error.details).toMatchObject({ reason: 'password_change_required' });
    }

    const change = (body: Record<string, string>) =>
      s.call({ method: 'POST', url: '/api/auth/password', token, body });
    expectError(
      await change({ currentPassword: 'wrong one', newPassword: 'a new long password' }),
      401,
      'unauthenticated',
    );
    expect(
      issuePaths(
        expectError(
          await change({ currentPassword: oneTimePassword, newPassword: 'short' }),
          400,
          'validation',
        ),
      ),
    ).toEqual(['body.newPassword']);
    expectError(
      await change({ currentPassword: oneTimePassword, newPassword: oneTimePassword }),
      400,
      'validation',
    );
    const changed = await change({ currentPassword: oneTimePassword, newPassword: 'my own new password' });
    expect(changed.statusCode, changed.body).toBe(204);

    const studies = await s.call({ method: 'GET', url: '/api/studies', token });
    expect(studies.statusCode).toBe(200);
    expect(studies.json()).toEqual([]);
    expectError(await signIn(username, oneTimePassword), 401, 'unauthenticated');
    const again = await signIn(username, 'my own new password');
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ mustChangePassword: false });
  });
});
