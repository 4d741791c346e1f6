import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES } from '../../src/core/auth/roles.js';
import { engines, unique } from '../support/engines.js';
import { protocolWithUniqueCode } from '../support/fixtures.js';
import {
  expectError,
  issuePaths,
  NAIVE_PROTOCOL,
  NR_PROTOCOL,
  openServer,
  type TestServer,
  type TestUser,
} from './support.js';

interface AuditEntry {
  chain: string;
  seq: number;
  at: string;
  studyId: string | null;
  actorId: string | null;
  actorName: string;
  actorRole: string;
  action: string;
  entityType: string;
  entityId: string | null;
  oldValue: Record<string, unknown> | null;
  newValue: Record<string, unknown> | null;
  reason: string | null;
  prevHash: string;
  hash: string;
}
interface GrantRecord {
  id: string;
  userId: string;
  role: string;
  studyId: string | null;
  siteId: string | null;
}

describe.each(engines())('users, grants and audit over HTTP on $name', (engine) => {
  let s: TestServer;
  let admin: TestUser;
  /** Study A with a site and its own data manager; study B with a site and its data manager. */
  let a: { id: string; code: string };
  let b: { id: string; code: string };
  let siteA: { id: string; code: string };
  let siteB: { id: string; code: string };
  let managerA: TestUser;
  let managerB: TestUser;

  const get = (url: string, token: string) => s.call({ method: 'GET', url, token });
  const post = (url: string, token: string, body?: unknown) =>
    s.call({ method: 'POST', url, token, ...(body === undefined ? {} : { body }) });
  const grant = (userId: string, token: string, body: Record<string, unknown>) =>
    post(`/api/users/${userId}/grants`, token, body);

  beforeAll(async () => {
    s = await openServer(engine);
    admin = await s.user([{ role: 'admin' }]);
    a = await s.study(admin.token, NR_PROTOCOL);
    b = await s.study(admin.token, NAIVE_PROTOCOL);
    managerA = await s.user([{ role: 'data_manager', studyId: a.id }]);
    managerB = await s.user([{ role: 'data_manager', studyId: b.id }]);
    siteA = await s.site(a.id, managerA.token);
    siteB = await s.site(b.id, managerB.token);
  });
  afterAll(async () => {
    await s.close();
  });

  describe('users', () => {
    it('lets an admin create a user with a password: 201, no one-time password, no hash', async () => {
      const username = `pw-${unique()}`;
      const res = await post('/api/users', admin.token, {
        username,
        displayName: 'Pat Doe',
        email: 'pat@example.org',
        password: 'a perfectly fine password',
      });
      expect(res.statusCode, res.body).toBe(201);
      const body = res.json<{ user: Record<string, unknown>; oneTimePassword?: string }>();
      expect(body.user).toMatchObject({
        username,
        displayName: 'Pat Doe',
        email: 'pat@example.org',
        mustChangePassword: false,
        disabled: false,
      });
      expect(body.oneTimePassword).toBeUndefined();
      expect(res.body).not.toMatch(/passwordHash|password_hash|scrypt/);
    });

    it('refuses a duplicate username with 409, whatever its case', async () => {
      const username = `dup-${unique()}`;
      const body = { username, displayName: 'First', password: 'a perfectly fine password' };
      expect((await post('/api/users', admin.token, body)).statusCode).toBe(201);
      expectError(await post('/api/users', admin.token, body), 409, 'conflict');
      expectError(
        await post('/api/users', admin.token, { ...body, username: username.toUpperCase() }),
        409,
        'conflict',
      );
    });

    it('refuses a malformed user with 400 naming each field', async () => {
      for (const [body, paths] of [
        [{ username: 'x', displayName: 'X' }, ['body.username']],
        [{ username: 'has space', displayName: 'X' }, ['body.username']],
        [{ username: `ok-${unique()}`, displayName: '' }, ['body.displayName']],
        [{ username: `ok-${unique()}`, displayName: 'X', email: 'nope' }, ['body.email']],
        [{ username: `ok-${unique()}`, displayName: 'X', password: 'short' }, ['body.password']],
        [{ username: `ok-${unique()}`, displayName: 'X', role: 'admin' }, ['body']],
      ] as const) {
        const error = expectError(await post('/api/users', admin.token, body), 400, 'validation');
        expect(issuePaths(error)).toEqual(paths);
      }
    });

    it('lets only an admin list and create users (403 for a data manager)', async () => {
      const list = await get('/api/users', admin.token);
      expect(list.statusCode).toBe(200);
      const users = list.json<{ id: string; username: string }[]>();
      expect(users.map((u) => u.id)).toEqual(expect.arrayContaining([managerA.id, managerB.id]));
      expect(list.body).not.toMatch(/passwordHash|scrypt/);

      expectError(await get('/api/users', managerA.token), 403, 'forbidden');
      const username = `no-${unique()}`;
      expectError(
        await post('/api/users', managerA.token, { username, displayName: 'No' }),
        403,
        'forbidden',
      );
      const after = (await get('/api/users', admin.token)).json<{ username: string }[]>();
      expect(after.map((u) => u.username)).not.toContain(username);
    });

    it('shows a user their own grants, an admin anyone’s, and refuses others with 403', async () => {
      const own = await get(`/api/users/${managerA.id}/grants`, managerA.token);
      expect(own.statusCode).toBe(200);
      expect(own.json<GrantRecord[]>()).toEqual([
        expect.objectContaining({ userId: managerA.id, role: 'data_manager', studyId: a.id, siteId: null }),
      ]);
      expect((await get(`/api/users/${managerA.id}/grants`, admin.token)).statusCode).toBe(200);
      expectError(await get(`/api/users/${managerA.id}/grants`, managerB.token), 403, 'forbidden');
      expectError(await get(`/api/users/${randomUUID()}/grants`, admin.token), 404, 'not_found');
      expect(
        issuePaths(expectError(await get('/api/users/42/grants', admin.token), 400, 'validation')),
      ).toEqual(['params.userId']);
    });
  });

  describe('role grants', () => {
    it('refuses an unknown role with 400 naming body.role and listing the roles', async () => {
      const u = await s.user([]);
      const error = expectError(
        await grant(u.id, admin.token, { role: 'superuser', studyId: a.id }),
        400,
        'validation',
      );
      expect(issuePaths(error)).toEqual(['body.role']);
      for (const role of ROLES) expect(error.message).toContain(role);
    });

    it('refuses a site role without a site, and a study role without a study, with 400', async () => {
      const u = await s.user([]);
      const site = expectError(
        await grant(u.id, admin.token, { role: 'site_coordinator', studyId: a.id }),
        400,
        'validation',
      );
      expect(issuePaths(site)).toEqual(['siteId']);
      const study = expectError(await grant(u.id, admin.token, { role: 'central_lab' }), 400, 'validation');
      expect(issuePaths(study)).toEqual(['studyId']);
      expect((await get(`/api/users/${u.id}/grants`, admin.token)).json()).toEqual([]);
    });

    it('refuses a site of another study with 400', async () => {
      const u = await s.user([]);
      const error = expectError(
        await grant(u.id, admin.token, { role: 'site_coordinator', studyId: a.id, siteId: siteB.id }),
        400,
        'validation',
      );
      expect(issuePaths(error)).toEqual(['siteId']);
      expect((await get(`/api/users/${u.id}/grants`, admin.token)).json()).toEqual([]);
    });

    it('refuses a malformed or past expiry with 400', async () => {
      const u = await s.user([]);
      const malformed = expectError(
        await grant(u.id, admin.token, { role: 'partner_reviewer', studyId: a.id, expiresAt: 'next week' }),
        400,
        'validation',
      );
      expect(issuePaths(malformed)).toEqual(['body.expiresAt']);
      const past = expectError(
        await grant(u.id, admin.token, {
          role: 'partner_reviewer',
          studyId: a.id,
          expiresAt: '2001-01-01T00:00:00Z',
        }),
        400,
        'validation',
      );
      expect(issuePaths(past)).toEqual(['expiresAt']);
    });

    it('answers 404 for an unknown user or study', async () => {
      const u = await s.user([]);
      expectError(
        await grant(randomUUID(), admin.token, { role: 'central_lab', studyId: a.id }),
        404,
        'not_found',
      );
      expectError(
        await grant(u.id, admin.token, { role: 'central_lab', studyId: randomUUID() }),
        404,
        'not_found',
      );
    });

    it('lets an admin grant a site role that opens the study to the user', async () => {
      const u = await s.user([]);
      expectError(await get(`/api/studies/${a.id}`, u.token), 403, 'forbidden');
      const res = await grant(u.id, admin.token, {
        role: 'site_coordinator',
        studyId: a.id,
        siteId: siteA.id,
      });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toMatchObject({
        userId: u.id,
        role: 'site_coordinator',
        studyId: a.id,
        siteId: siteA.id,
      });
      expect((await get(`/api/studies/${a.id}`, u.token)).statusCode).toBe(200);
      expectError(
        await grant(u.id, admin.token, { role: 'site_coordinator', studyId: a.id, siteId: siteA.id }),
        409,
        'conflict',
      );
    });

    it('lets the data manager of study A grant a study role in A, not in B, and never admin', async () => {
      const u = await s.user([]);
      const inA = await grant(u.id, managerA.token, { role: 'central_lab', studyId: a.id });
      expect(inA.statusCode, inA.body).toBe(201);
      expectError(
        await grant(u.id, managerA.token, { role: 'central_lab', studyId: b.id }),
        403,
        'forbidden',
      );
      expectError(await grant(u.id, managerA.token, { role: 'admin' }), 403, 'forbidden');
      expectError(await grant(u.id, managerA.token, { role: 'data_manager' }), 403, 'forbidden');
      expectError(await grant(managerA.id, managerA.token, { role: 'admin' }), 403, 'forbidden');
      const grants = (await get(`/api/users/${u.id}/grants`, admin.token)).json<GrantRecord[]>();
      expect(grants.map((g) => [g.role, g.studyId])).toEqual([['central_lab', a.id]]);
      const me = (await get(`/api/users/${managerA.id}/grants`, admin.token)).json<GrantRecord[]>();
      expect(me.map((g) => g.role)).toEqual(['data_manager']);
    });

    it('revokes a grant (204): the user loses access at once, and the reason is audited', async () => {
      const u = await s.user([]);
      const created = (
        await grant(u.id, managerA.token, { role: 'central_lab', studyId: a.id })
      ).json<GrantRecord>();
      expect((await get(`/api/studies/${a.id}`, u.token)).statusCode).toBe(200);
      expect((await get('/api/studies', u.token)).json<{ id: string }[]>().map((x) => x.id)).toEqual([a.id]);

      expectError(
        await s.call({
          method: 'DELETE',
          url: `/api/grants/${created.id}?reason=${encodeURIComponent('Not mine to revoke')}`,
          token: managerB.token,
        }),
        403,
        'forbidden',
      );
      const from = new Date(Date.now() - 1000);
      const res = await s.call({
        method: 'DELETE',
        url: `/api/grants/${created.id}?reason=${encodeURIComponent('Left the lab')}`,
        token: managerA.token,
      });
      expect(res.statusCode, res.body).toBe(204);
      expect(res.body).toBe('');

      expectError(await get(`/api/studies/${a.id}`, u.token), 403, 'forbidden');
      expect((await get('/api/studies', u.token)).json()).toEqual([]);
      expect((await get(`/api/users/${u.id}/grants`, admin.token)).json()).toEqual([]);
      expectError(
        await s.call({
          method: 'DELETE',
          url: `/api/grants/${created.id}?reason=${encodeURIComponent('Again')}`,
          token: managerA.token,
        }),
        404,
        'not_found',
      );

      const audit = await get(
        `/api/audit?action=grant.revoke&entityId=${created.id}&from=${encodeURIComponent(from.toISOString())}`,
        admin.token,
      );
      expect(audit.json<AuditEntry[]>()).toEqual([
        expect.objectContaining({
          chain: 'global',
          actorId: managerA.id,
          actorRole: 'data_manager',
          oldValue: { userId: u.id, role: 'central_lab', studyId: a.id, siteId: null },
          reason: 'Left the lab',
        }),
      ]);
    });

    it('refuses to revoke an unknown grant (404), an admin’s own admin role (409), or without a reason (400)', async () => {
      const why = `?reason=${encodeURIComponent('No longer on the study')}`;
      expectError(
        await s.call({ method: 'DELETE', url: `/api/grants/${randomUUID()}${why}`, token: admin.token }),
        404,
        'not_found',
      );
      const own = (await get(`/api/users/${admin.id}/grants`, admin.token)).json<GrantRecord[]>();
      const adminGrant = own.find((g) => g.role === 'admin');
      expect(adminGrant).toBeDefined();
      expectError(
        await s.call({
          method: 'DELETE',
          url: `/api/grants/${adminGrant?.id ?? ''}${why}`,
          token: admin.token,
        }),
        409,
        'conflict',
      );
      // The web app asks for a reason before revoking: so does the server, empty or left out.
      for (const reason of ['?reason=', '?reason=%20%20', '']) {
        const error = expectError(
          await s.call({
            method: 'DELETE',
            url: `/api/grants/${adminGrant?.id ?? ''}${reason}`,
            token: admin.token,
          }),
          400,
          'validation',
        );
        expect(error.details).toEqual({
          issues: [
            {
              path: 'query.reason',
              message: 'is required: say why the role is revoked (kept in the audit trail)',
            },
          ],
        });
      }
    });
  });

  describe('audit trail', () => {
    let study: { id: string; code: string };
    let manager: TestUser;
    let siteId: string;

    beforeAll(async () => {
      study = await s.study(admin.token, NR_PROTOCOL);
      manager = await s.user([{ role: 'data_manager', studyId: study.id }]);
      siteId = (await s.site(study.id, manager.token)).id;
      const current = (await get(`/api/studies/${study.id}`, manager.token)).json<{
        protocol: { title: string };
      }>();
      const amended = await post(`/api/studies/${study.id}/amendments`, manager.token, {
        protocol: { ...current.protocol, title: `${current.protocol.title} (amended)` },
        reason: 'Clarified the title',
      });
      expect(amended.statusCode, amended.body).toBe(201);
    });

    it('returns the study’s entries in order with actor, role, action, old and new values and reason', async () => {
      const res = await get(`/api/audit?studyId=${study.id}`, manager.token);
      expect(res.statusCode, res.body).toBe(200);
      const entries = res.json<AuditEntry[]>();
      expect(entries.map((e) => [e.seq, e.action])).toEqual([
        [1, 'study.create'],
        [2, 'site.create'],
        [3, 'study.amend'],
      ]);
      const [create, site, amend] = entries;
      expect(create).toMatchObject({
        chain: study.id,
        studyId: study.id,
        actorId: admin.id,
        actorName: admin.username,
        actorRole: 'admin',
        entityType: 'study',
        entityId: study.id,
        oldValue: null,
        newValue: { code: study.code, version: 1 },
      });
      expect(site).toMatchObject({
        actorId: manager.id,
        actorName: manager.username,
        actorRole: 'data_manager',
        entityId: siteId,
        newValue: { country: 'CA' },
      });
      expect(amend).toMatchObject({
        actorId: manager.id,
        actorRole: 'data_manager',
        oldValue: { version: 1 },
        newValue: { version: 2, title: expect.stringMatching(/\(amended\)$/) as string },
        reason: 'Clarified the title',
      });
      expect(amend?.prevHash).toBe(site?.hash);
      expect(site?.prevHash).toBe(create?.hash);
    });

    it('filters and pages the entries', async () => {
      const only = (await get(`/api/audit?studyId=${study.id}&action=site.create`, manager.token)).json<
        AuditEntry[]
      >();
      expect(only.map((e) => e.action)).toEqual(['site.create']);
      const page1 = (await get(`/api/audit?studyId=${study.id}&limit=2`, manager.token)).json<AuditEntry[]>();
      expect(page1.map((e) => e.seq)).toEqual([1, 2]);
      const page2 = (await get(`/api/audit?studyId=${study.id}&limit=2&afterSeq=2`, manager.token)).json<
        AuditEntry[]
      >();
      expect(page2.map((e) => e.seq)).toEqual([3]);
    });

    it('refuses the study’s trail to the data manager of another study and to a site coordinator', async () => {
      const coordinator = await s.user([{ role: 'site_coordinator', studyId: study.id, siteId }]);
      for (const token of [managerB.token, coordinator.token])
        expectError(await get(`/api/audit?studyId=${study.id}`, token), 403, 'forbidden');
      // The global chain (accounts and roles) is for admins only.
      expectError(await get('/api/audit', manager.token), 403, 'forbidden');
      // The admin reads accounts and roles, never a study's trail (it holds clinical data).
      expectError(await get(`/api/audit?studyId=${study.id}`, admin.token), 403, 'forbidden');
      expectError(await get(`/api/audit?studyId=${randomUUID()}`, manager.token), 403, 'forbidden');
    });

    it('verifies a fresh study’s chain as intact', async () => {
      const res = await post('/api/audit/verify', manager.token, { studyId: study.id });
      expect(res.statusCode, res.body).toBe(200);
      // A fresh study has no clinical rows yet: the row check compares none and finds nothing.
      expect(res.json()).toEqual({
        ok: true,
        chains: [
          { chain: study.id, entries: 3, ok: true, rows: { ok: true, checked: 0, findings: [], more: 0 } },
        ],
      });
      expectError(await post('/api/audit/verify', managerB.token, { studyId: study.id }), 403, 'forbidden');
    });

    it('accepts a verify request without a body: a study data manager gets the chains of their studies', async () => {
      const report = (await post('/api/audit/verify', manager.token)).json<{ chains: { chain: string }[] }>();
      expect(report.chains.map((c) => c.chain)).toEqual([study.id]);
      const error = expectError(
        await post('/api/audit/verify', manager.token, { studyId: 'x' }),
        400,
        'validation',
      );
      expect(issuePaths(error)).toEqual(['body.studyId']);
    });

    it('refuses a malformed audit query with 400 naming the parameter', async () => {
      for (const [query, path] of [
        ['limit=abc', 'query.limit'],
        ['limit=0', 'query.limit'],
        ['limit=1001', 'query.limit'],
        ['afterSeq=-1', 'query.afterSeq'],
        ['studyId=not-a-uuid', 'query.studyId'],
        ['from=yesterday', 'query.from'],
        ['colour=blue', 'query'],
      ] as const) {
        const error = expectError(
          await get(`/api/audit?studyId=${study.id}&${query}`, manager.token),
          400,
          'validation',
        );
        expect(issuePaths(error), query).toContain(path);
      }
    });
  });

  it('keeps a refused write out of the audit trail', async () => {
    const before = (await get(`/api/audit?studyId=${a.id}&limit=1000`, managerA.token)).json<AuditEntry[]>();
    const { source } = protocolWithUniqueCode(NR_PROTOCOL);
    expectError(
      await post(`/api/studies/${a.id}/amendments`, managerA.token, {
        source,
        fileName: 'x.yaml',
        reason: 'Wrong code',
      }),
      400,
      'validation',
    );
    expectError(
      await post(`/api/studies/${a.id}/sites`, managerA.token, { code: siteA.code, name: 'Again' }),
      409,
      'conflict',
    );
    const after = (await get(`/api/audit?studyId=${a.id}&limit=1000`, managerA.token)).json<AuditEntry[]>();
    expect(after).toEqual(before);
  });
});
