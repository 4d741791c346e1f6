import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_HASH_LIMITS, setPasswordCheckLimits } from '../../src/services/auth/password.js';
import { engines } from '../support/engines.js';
import { PASSWORD } from '../support/fixtures.js';
import { expectError, openServer, type TestServer, type TestUser } from './support.js';

interface TokenBody {
  id: string;
  userId: string;
  username: string;
  name: string | null;
  expiresAt: string;
}

describe.each(engines())('accounts over HTTP on $name', (engine) => {
  let s: TestServer;
  let admin: TestUser;
  beforeAll(async () => {
    s = await openServer(engine);
    admin = await s.user([{ role: 'admin' }]);
  });
  afterAll(() => s.close());
  afterEach(() => setPasswordCheckLimits(DEFAULT_HASH_LIMITS));

  const createToken = async (user: TestUser, name: string): Promise<string> => {
    const res = await s.call({ method: 'POST', url: '/api/auth/tokens', token: user.token, body: { name } });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ token: string }>().token;
  };
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  it('marks every /api answer no-store: data, errors, sign-in and unknown endpoints alike', async () => {
    const study = await s.study(admin.token);
    const answers = [
      await s.call({ method: 'GET', url: '/api/health' }),
      await s.call({ method: 'GET', url: '/api/auth/me', token: admin.token }),
      await s.call({ method: 'GET', url: `/api/studies/${study.id}`, token: admin.token }),
      await s.call({ method: 'GET', url: '/api/users', token: admin.token }),
      await s.call({ method: 'GET', url: '/api/studies' }),
      await s.call({ method: 'POST', url: '/api/auth/sign-in', body: { username: 'x' } }),
      await s.call({ method: 'GET', url: '/api/no-such-endpoint', token: admin.token }),
      await s.call({ method: 'GET', url: '/api/openapi.json' }),
    ];
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 200, 401, 400, 404, 200]);
    for (const a of answers) expect(a.headers['cache-control']).toBe('no-store');
  });

  it('lists and revokes API tokens: one’s own, and anyone’s for the admin', async () => {
    const u = await s.user([]);
    const other = await s.user([]);
    const secret = await createToken(u, 'nightly');
    const mine = await s.call({ method: 'GET', url: '/api/auth/tokens', token: u.token });
    expect(mine.statusCode, mine.body).toBe(200);
    const [listed] = mine.json<TokenBody[]>();
    expect(mine.json<TokenBody[]>()).toHaveLength(1);
    expect(listed).toMatchObject({ userId: u.id, username: u.username, name: 'nightly' });
    expect(mine.body).not.toContain(secret);
    const id = listed?.id ?? '';

    expectError(
      await s.call({ method: 'GET', url: `/api/users/${u.id}/tokens`, token: other.token }),
      403,
      'forbidden',
    );
    expectError(await s.call({ method: 'GET', url: '/api/tokens', token: other.token }), 403, 'forbidden');
    expectError(
      await s.call({ method: 'DELETE', url: `/api/auth/tokens/${id}`, token: other.token }),
      403,
      'forbidden',
    );
    const byAdmin = await s.call({ method: 'GET', url: `/api/users/${u.id}/tokens`, token: admin.token });
    expect(byAdmin.json<TokenBody[]>().map((t) => t.id)).toEqual([id]);
    const all = await s.call({ method: 'GET', url: '/api/tokens', token: admin.token });
    expect(all.json<TokenBody[]>().some((t) => t.id === id)).toBe(true);
    expectError(
      await s.call({ method: 'DELETE', url: '/api/auth/tokens/not-a-uuid', token: u.token }),
      400,
      'validation',
    );

    const revoked = await s.call({
      method: 'DELETE',
      url: `/api/auth/tokens/${id}?reason=${encodeURIComponent('rotated')}`,
      token: u.token,
    });
    expect(revoked.statusCode, revoked.body).toBe(204);
    expectError(
      await s.call({ method: 'GET', url: '/api/auth/me', headers: bearer(secret) }),
      401,
      'unauthenticated',
    );
    expectError(
      await s.call({ method: 'DELETE', url: `/api/auth/tokens/${id}`, token: u.token }),
      404,
      'not_found',
    );

    const second = await createToken(u, 'other');
    const [otherToken] = (await s.call({ method: 'GET', url: '/api/auth/tokens', token: u.token })).json<
      TokenBody[]
    >();
    const adminRevoke = await s.call({
      method: 'DELETE',
      url: `/api/auth/tokens/${otherToken?.id ?? ''}`,
      token: admin.token,
    });
    expect(adminRevoke.statusCode, adminRevoke.body).toBe(204);
    expectError(
      await s.call({ method: 'GET', url: '/api/auth/me', headers: bearer(second) }),
      401,
      'unauthenticated',
    );
  });

  it('ends the other sessions and tokens at a password change; the changing session goes on', async () => {
    const u = await s.user([]);
    const otherSession = await s.session(u.id, new Date(Date.now() + 3_600_000));
    const token = await createToken(u, 'laptop');
    const changed = await s.call({
      method: 'POST',
      url: '/api/auth/password',
      token: u.token,
      body: { currentPassword: PASSWORD, newPassword: 'a fresh long password' },
    });
    expect(changed.statusCode, changed.body).toBe(204);
    expectError(
      await s.call({ method: 'GET', url: '/api/auth/me', token: otherSession }),
      401,
      'unauthenticated',
    );
    expectError(
      await s.call({ method: 'GET', url: '/api/auth/me', headers: bearer(token) }),
      401,
      'unauthenticated',
    );
    expect((await s.call({ method: 'GET', url: '/api/auth/me', token: u.token })).statusCode).toBe(200);
  });

  it('refuses an admin granting themself an unblinded role; a second admin may, and the user list shows it', async () => {
    const first = await s.user([{ role: 'admin' }]);
    const second = await s.user([{ role: 'admin' }]);
    const study = await s.study(first.token);
    const grant = (by: TestUser) =>
      s.call({
        method: 'POST',
        url: `/api/users/${first.id}/grants`,
        token: by.token,
        body: { role: 'unblinded_statistician', studyId: study.id },
      });
    const refused = expectError(await grant(first), 403, 'forbidden');
    expect(refused.message).toMatch(/another administrator, never to oneself/);
    expectError(
      await s.call({
        method: 'GET',
        url: `/api/studies/${study.id}/randomization/sequence?count=1`,
        token: first.token,
      }),
      403,
      'forbidden',
    );
    const granted = await grant(second);
    expect(granted.statusCode, granted.body).toBe(201);
    const users = (await s.call({ method: 'GET', url: '/api/users', token: second.token })).json<
      { id: string; unblindedRoles: { role: string; studyId: string; grantedBy: { userId: string } }[] }[]
    >();
    expect(users.find((u) => u.id === first.id)?.unblindedRoles).toMatchObject([
      { role: 'unblinded_statistician', studyId: study.id, grantedBy: { userId: second.id } },
    ]);
    expect(users.find((u) => u.id === second.id)?.unblindedRoles).toEqual([]);
  });

  it('answers 503 with Retry-After when the password queue is full, instead of piling up', async () => {
    const u = await s.user([]);
    setPasswordCheckLimits({ concurrency: 1, maxQueued: 0, maxQueuedPerSource: 0 });
    const signIn = (remoteAddress: string) =>
      s.app.inject({
        method: 'POST',
        url: '/api/auth/sign-in',
        payload: { username: u.username, password: PASSWORD },
        remoteAddress,
      });
    const [a, b] = await Promise.all([signIn('203.0.113.1'), signIn('203.0.113.2')]);
    const statuses = [a?.statusCode, b?.statusCode].sort();
    expect(statuses).toEqual([200, 429]);
    const refused = a?.statusCode === 429 ? a : b;
    expect(refused?.headers['retry-after']).toBe('5');
    setPasswordCheckLimits({ concurrency: 1, maxQueued: 0, maxQueuedPerSource: 1 });
    const [c, d] = await Promise.all([signIn('203.0.113.3'), signIn('203.0.113.4')]);
    expect([c?.statusCode, d?.statusCode].sort()).toEqual([200, 503]);
    const busy = c?.statusCode === 503 ? c : d;
    expect(busy?.headers['retry-after']).toBe('5');
    expect(busy?.json()).toMatchObject({ error: { code: 'unavailable' } });
  });
});
