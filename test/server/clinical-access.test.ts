import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PERMISSIONS, type Action } from '../../src/core/auth/permissions.js';
import { ROLES, type Role } from '../../src/core/auth/roles.js';
import type { AnyRoute } from '../../src/server/route.js';
import { captureRoutes } from '../../src/server/routes/capture.routes.js';
import { randomizationRoutes } from '../../src/server/routes/randomization.routes.js';
import { subjectRoutes } from '../../src/server/routes/subject.routes.js';
import { supplyRoutes } from '../../src/server/routes/supply.routes.js';
import { engines } from '../support/engines.js';
import { PASSWORD } from '../support/fixtures.js';
import { eligibleNr, inAYear } from '../support/trial.js';
import {
  auditCount,
  enroll,
  expectError,
  openServer,
  openTrial,
  screenSubject,
  userOf,
  type Call,
  type HttpTrial,
  type SubjectBody,
  type TestServer,
  type TrialSite,
} from './support.js';

/** The routes of screening, randomization and supply, and the sites' worklist of subjects. */
const CLINICAL_ROUTES: readonly AnyRoute[] = [
  ...subjectRoutes,
  ...randomizationRoutes,
  ...supplyRoutes,
  ...captureRoutes.filter((r) => r.url === '/api/studies/:studyId/worklist'),
];
const openApiPath = (url: string): string => url.replace(/:([A-Za-z]+)/g, '{$1}');

/** One endpoint of the matrix: the action it authorizes and a request to make for a role. */
interface Endpoint {
  readonly route: string;
  readonly action: Action;
  readonly ok: number;
  /**
   * The request for one role. A role that may gets its own fresh target, so its write succeeds; roles
   * that may not share one, which must stay as it was.
   */
  readonly request: (allowed: boolean) => Promise<Omit<Call, 'token'>>;
}

describe.each(engines())('screening, randomization and supply access over HTTP on $name', (engine) => {
  let s: TestServer;
  let t: HttpTrial;
  let A: TrialSite;
  let B: TrialSite;
  /** At site A: a randomized subject and an eligible one, the shared targets of refused calls. */
  let randomizedA: SubjectBody;
  let eligibleA: SubjectBody;
  /** At site B: a randomized subject, an eligible one, and a shipment on its way. */
  let randomizedB: SubjectBody;
  let eligibleB: SubjectBody;
  let shipmentToB: string;
  let shipmentToA: string;

  const call = (c: Call) => s.call(c);
  const shipTo = async (siteId: string): Promise<string> => {
    const res = await call({
      method: 'POST',
      url: `/api/studies/${t.id}/shipments`,
      token: t.dsm.token,
      body: { siteId, kits: [{ drug: 'PEGIFN', count: 1 }] },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<{ shipment: { id: string } }>().shipment.id;
  };

  beforeAll(async () => {
    s = await openServer(engine);
    t = await openTrial(s, { sites: 2, kitsPerDrug: 30, depotExtra: 20 });
    [A, B] = t.sites as [TrialSite, TrialSite];
    randomizedA = (await enroll(s, t, 0)).subject;
    eligibleA = await screenSubject(s, t, 0);
    randomizedB = (await enroll(s, t, 1)).subject;
    eligibleB = await screenSubject(s, t, 1);
    shipmentToA = await shipTo(A.id);
    shipmentToB = await shipTo(B.id);
  });
  afterAll(async () => {
    await s.close();
  });

  const send = (method: Call['method'], url: string, body?: unknown): Promise<Omit<Call, 'token'>> =>
    Promise.resolve({ method, url, ...(body === undefined ? {} : { body }) });
  const study = (path: string): string => `/api/studies/${t.id}${path}`;
  const randomizedFor = async (allowed: boolean) => (allowed ? (await enroll(s, t, 0)).subject : randomizedA);
  /** A subject who may elect the extension (the main phase completed), for a role allowed to. */
  const completedFor = async (allowed: boolean) => {
    if (!allowed) return randomizedA;
    const { subject } = await enroll(s, t, 0);
    const res = await s.call({
      method: 'POST',
      url: `/api/subjects/${subject.id}/dispositions`,
      token: A.coordinator.token,
      body: { phase: 'MAIN', status: 'completed', date: new Date().toISOString().slice(0, 10) },
    });
    expect(res.statusCode, res.body).toBe(201);
    return subject;
  };

  const ENDPOINTS: readonly Endpoint[] = [
    {
      route: 'POST /api/studies/:studyId/subjects',
      action: 'subject.screen',
      ok: 201,
      request: () => send('POST', study('/subjects'), { siteId: A.id, answers: eligibleNr() }),
    },
    {
      route: 'GET /api/studies/:studyId/subjects',
      action: 'subject.read',
      ok: 200,
      request: () => send('GET', study('/subjects')),
    },
    {
      route: 'GET /api/studies/:studyId/worklist',
      action: 'subject.read',
      ok: 200,
      request: () => send('GET', study('/worklist')),
    },
    {
      route: 'GET /api/studies/:studyId/enrollment',
      action: 'subject.read',
      ok: 200,
      request: () => send('GET', study('/enrollment')),
    },
    {
      route: 'GET /api/subjects/:subjectId',
      action: 'subject.read',
      ok: 200,
      request: () => send('GET', `/api/subjects/${randomizedA.id}`),
    },
    {
      route: 'POST /api/subjects/:subjectId/randomize',
      action: 'subject.randomize',
      ok: 201,
      request: async (allowed) => ({
        method: 'POST',
        url: `/api/subjects/${(allowed ? await screenSubject(s, t, 0) : eligibleA).id}/randomize`,
        body: { requestId: randomUUID() },
      }),
    },
    {
      route: 'GET /api/subjects/:subjectId/allocation',
      action: 'allocation.read',
      ok: 200,
      request: () => send('GET', `/api/subjects/${randomizedA.id}/allocation`),
    },
    {
      route: 'POST /api/subjects/:subjectId/unblind',
      action: 'subject.unblind',
      ok: 200,
      // Unblinding may be repeated: one subject serves every role.
      request: () =>
        send('POST', `/api/subjects/${randomizedA.id}/unblind`, {
          reason: 'Serious adverse event: the physician must know',
          password: PASSWORD,
        }),
    },
    {
      route: 'POST /api/subjects/:subjectId/extension',
      action: 'subject.elect_extension',
      ok: 201,
      request: async (allowed) => ({
        method: 'POST',
        url: `/api/subjects/${(await completedFor(allowed)).id}/extension`,
        body: { option: 'CONTINUE' },
      }),
    },
    {
      route: 'POST /api/subjects/:subjectId/dispense',
      action: 'subject.dispense',
      ok: 201,
      request: async (allowed) => ({
        method: 'POST',
        url: `/api/subjects/${(await randomizedFor(allowed)).id}/dispense`,
        body: { visit: 'W4' },
      }),
    },
    {
      route: 'GET /api/studies/:studyId/allocations',
      action: 'allocation.read',
      ok: 200,
      request: () => send('GET', study('/allocations')),
    },
    {
      route: 'GET /api/studies/:studyId/unblinding-events',
      action: 'unblinding.read',
      ok: 200,
      request: () => send('GET', study('/unblinding-events')),
    },
    {
      route: 'POST /api/studies/:studyId/randomization/verify',
      action: 'allocation.unblinded',
      ok: 200,
      request: () => send('POST', study('/randomization/verify')),
    },
    {
      route: 'GET /api/studies/:studyId/randomization/sequence',
      action: 'allocation.unblinded',
      ok: 200,
      request: () => send('GET', study('/randomization/sequence?count=6')),
    },
    {
      route: 'POST /api/studies/:studyId/kits',
      action: 'supply.manage',
      ok: 201,
      request: () =>
        send('POST', study('/kits'), { drug: 'PEGIFN', count: 2, lot: 'L-M', expiresOn: inAYear() }),
    },
    {
      route: 'GET /api/studies/:studyId/kits',
      action: 'supply.read',
      ok: 200,
      request: () => send('GET', study('/kits')),
    },
    {
      route: 'POST /api/studies/:studyId/shipments',
      action: 'supply.manage',
      ok: 201,
      request: () => send('POST', study('/shipments'), { siteId: A.id, kits: [{ drug: 'RBV', count: 1 }] }),
    },
    {
      route: 'GET /api/studies/:studyId/shipments',
      action: 'supply.read',
      ok: 200,
      request: () => send('GET', study('/shipments')),
    },
    {
      route: 'POST /api/shipments/:shipmentId/receive',
      action: 'supply.receive',
      ok: 200,
      request: async (allowed) => ({
        method: 'POST',
        url: `/api/shipments/${allowed ? await shipTo(A.id) : shipmentToA}/receive`,
        body: {},
      }),
    },
    {
      route: 'GET /api/studies/:studyId/inventory',
      action: 'supply.read',
      ok: 200,
      request: () => send('GET', study('/inventory')),
    },
  ];

  it('has a row for every route of screening, randomization and supply', () => {
    expect(ENDPOINTS.map((e) => e.route).sort()).toEqual(
      CLINICAL_ROUTES.map((r) => `${r.method} ${r.url}`).sort(),
    );
  });

  // Every user holds one role, scoped to the trial (site roles: site A, where the targets are).
  describe.each(ENDPOINTS)('$route ($action)', ({ action, ok, request }) => {
    const allowed = ROLES.filter((r) => PERMISSIONS[action].includes(r));
    const refused = ROLES.filter((r) => !PERMISSIONS[action].includes(r));

    it(`refuses ${refused.join(', ')} with 403, changing nothing`, async () => {
      const before = await auditCount(s, t);
      for (const role of refused) {
        const res = await call({ ...(await request(false)), token: userOf(t, role).token });
        expect(res.statusCode, `${role}: ${res.body}`).toBe(403);
        expect(res.json<{ error: { code: string } }>().error.code).toBe('forbidden');
      }
      expect(await auditCount(s, t)).toBe(before);
    });

    if (allowed.length > 0)
      it(`answers ${allowed.join(', ')} with ${ok}`, async () => {
        for (const role of allowed) {
          const res = await call({ ...(await request(true)), token: userOf(t, role).token });
          expect(res.statusCode, `${role}: ${res.body}`).toBe(ok);
        }
      });
  });

  describe('site scoping', () => {
    it('refuses a site A coordinator, investigator and monitor everything about site B with 403, changing nothing', async () => {
      const before = await auditCount(s, t);
      const events = await call({
        method: 'GET',
        url: `/api/studies/${t.id}/unblinding-events`,
        token: t.dm.token,
      });
      const b = randomizedB.id;
      const calls: [Role, Omit<Call, 'token'>][] = [
        ['site_coordinator', { method: 'GET', url: `/api/subjects/${b}` }],
        ['site_coordinator', { method: 'GET', url: `/api/subjects/${b}/allocation` }],
        [
          'site_coordinator',
          {
            method: 'POST',
            url: `/api/studies/${t.id}/subjects`,
            body: { siteId: B.id, answers: eligibleNr() },
          },
        ],
        [
          'site_coordinator',
          {
            method: 'POST',
            url: `/api/subjects/${eligibleB.id}/randomize`,
            body: { requestId: randomUUID() },
          },
        ],
        [
          'site_coordinator',
          { method: 'POST', url: `/api/subjects/${b}/extension`, body: { option: 'SWITCH' } },
        ],
        ['site_coordinator', { method: 'POST', url: `/api/subjects/${b}/dispense`, body: { visit: 'W4' } }],
        ['site_coordinator', { method: 'POST', url: `/api/shipments/${shipmentToB}/receive`, body: {} }],
        ['site_coordinator', { method: 'GET', url: `/api/studies/${t.id}/kits?siteId=${B.id}` }],
        ['investigator', { method: 'GET', url: `/api/subjects/${b}` }],
        [
          'investigator',
          {
            method: 'POST',
            url: `/api/subjects/${b}/unblind`,
            body: { reason: 'Serious adverse event: the physician must know', password: PASSWORD },
          },
        ],
        ['investigator', { method: 'POST', url: `/api/subjects/${b}/dispense`, body: { visit: 'W8' } }],
        ['investigator', { method: 'POST', url: `/api/shipments/${shipmentToB}/receive`, body: {} }],
        ['monitor', { method: 'GET', url: `/api/subjects/${b}` }],
        ['monitor', { method: 'GET', url: `/api/subjects/${b}/allocation` }],
        ['monitor', { method: 'GET', url: `/api/studies/${t.id}/kits?siteId=${B.id}` }],
      ];
      for (const [role, c] of calls) {
        const res = await call({ ...c, token: userOf(t, role, 0).token });
        expect(res.statusCode, `${role} ${c.method} ${c.url}: ${res.body}`).toBe(403);
      }
      expect(await auditCount(s, t)).toBe(before);
      const after = await call({
        method: 'GET',
        url: `/api/studies/${t.id}/unblinding-events`,
        token: t.dm.token,
      });
      expect(after.body).toBe(events.body);
      // Site B's own staff may.
      const own = await call({ method: 'GET', url: `/api/subjects/${b}`, token: B.coordinator.token });
      expect(own.statusCode).toBe(200);
    });

    it('lists only site A’s subjects, allocations, kits, shipments and inventory to its staff', async () => {
      const lists = ['subjects', 'allocations', 'kits', 'shipments', 'inventory'];
      for (const role of ['site_coordinator', 'investigator', 'monitor'] as const) {
        const user = userOf(t, role, 0);
        for (const list of lists) {
          const res = await call({ method: 'GET', url: `/api/studies/${t.id}/${list}`, token: user.token });
          expect(res.statusCode, `${role} ${list}: ${res.body}`).toBe(200);
          const sites = new Set(res.json<{ siteId: string | null }[]>().map((x) => x.siteId));
          expect(sites, `${role} ${list}`).toEqual(new Set([A.id]));
        }
      }
      // The sponsor sees both sites (and the depot, for kits).
      for (const list of lists) {
        const res = await call({ method: 'GET', url: `/api/studies/${t.id}/${list}`, token: t.dm.token });
        const sites = new Set(res.json<{ siteId: string | null }[]>().map((x) => x.siteId));
        expect(sites, list).toEqual(new Set(list === 'kits' ? [A.id, B.id, null] : [A.id, B.id]));
      }
    });

    it('hides the depot from site roles, whatever the filter', async () => {
      const depot = await call({
        method: 'GET',
        url: `/api/studies/${t.id}/kits?status=depot`,
        token: t.dsm.token,
      });
      expect(depot.json<unknown[]>().length).toBeGreaterThan(0);
      for (const role of ['site_coordinator', 'investigator', 'monitor'] as const)
        for (const q of ['?status=depot', '?status=depot&drug=CELGOSIVIR', `?siteId=${A.id}&status=depot`]) {
          const res = await call({
            method: 'GET',
            url: `/api/studies/${t.id}/kits${q}`,
            token: userOf(t, role).token,
          });
          expect(res.statusCode).toBe(200);
          expect(res.json(), `${role} ${q}`).toEqual([]);
        }
    });

    it('shows a monitor the unblinding events of their own site only', async () => {
      const res = await call({
        method: 'POST',
        url: `/api/subjects/${randomizedB.id}/unblind`,
        token: B.investigator.token,
        body: { reason: 'Serious adverse event at site B: the physician must know', password: PASSWORD },
      });
      expect(res.statusCode, res.body).toBe(200);
      const sitesSeen = async (token: string) => {
        const events = await call({ method: 'GET', url: `/api/studies/${t.id}/unblinding-events`, token });
        expect(events.statusCode, events.body).toBe(200);
        return new Set(events.json<{ siteId: string }[]>().map((e) => e.siteId));
      };
      expect(await sitesSeen(A.monitor.token)).toEqual(new Set([A.id]));
      expect(await sitesSeen(B.monitor.token)).toEqual(new Set([B.id]));
      expect(await sitesSeen(t.dm.token)).toEqual(new Set([A.id, B.id]));
    });
  });

  describe('expired grants', () => {
    it('refuses a role whose grant has expired with 403', async () => {
      const past = new Date(Date.now() - 60_000);
      const coordinator = await s.user([
        { role: 'site_coordinator', studyId: t.id, siteId: A.id, expiresAt: past },
      ]);
      const dm = await s.user([{ role: 'data_manager', studyId: t.id, expiresAt: past }]);
      const dsm = await s.user([{ role: 'drug_supply_manager', studyId: t.id, expiresAt: past }]);
      const investigator = await s.user([
        { role: 'investigator', studyId: t.id, siteId: A.id, expiresAt: past },
      ]);
      const before = await auditCount(s, t);
      const calls: [string, Omit<Call, 'token'>][] = [
        [coordinator.token, { method: 'GET', url: `/api/studies/${t.id}/subjects` }],
        [coordinator.token, { method: 'GET', url: `/api/subjects/${randomizedA.id}` }],
        [coordinator.token, { method: 'GET', url: `/api/studies/${t.id}/kits` }],
        [
          coordinator.token,
          {
            method: 'POST',
            url: `/api/subjects/${eligibleA.id}/randomize`,
            body: { requestId: randomUUID() },
          },
        ],
        [coordinator.token, { method: 'POST', url: `/api/shipments/${shipmentToA}/receive`, body: {} }],
        [
          investigator.token,
          {
            method: 'POST',
            url: `/api/subjects/${randomizedA.id}/unblind`,
            body: { reason: 'Serious adverse event: the physician must know', password: PASSWORD },
          },
        ],
        [dm.token, { method: 'GET', url: `/api/studies/${t.id}/allocations` }],
        [dm.token, { method: 'GET', url: `/api/studies/${t.id}/unblinding-events` }],
        [dm.token, { method: 'GET', url: `/api/subjects/${randomizedA.id}/allocation` }],
        [
          dsm.token,
          {
            method: 'POST',
            url: `/api/studies/${t.id}/kits`,
            body: { drug: 'PEGIFN', count: 1, lot: 'L-E', expiresOn: inAYear() },
          },
        ],
        [dsm.token, { method: 'GET', url: `/api/studies/${t.id}/inventory` }],
      ];
      for (const [token, c] of calls) expectError(await call({ ...c, token }), 403, 'forbidden');
      expect(await auditCount(s, t)).toBe(before);
    });

    it('does not unblind a data manager whose statistician grant has expired', async () => {
      const user = await s.user([
        { role: 'data_manager', studyId: t.id },
        { role: 'unblinded_statistician', studyId: t.id, expiresAt: new Date(Date.now() - 60_000) },
      ]);
      const res = await call({ method: 'GET', url: `/api/studies/${t.id}/allocations`, token: user.token });
      expect(res.statusCode).toBe(200);
      expect(res.json<unknown[]>().length).toBeGreaterThan(0);
      expect(res.body).not.toMatch(/"arm"|TRIPLE|DOUBLE|CONTROL/);
      expectError(
        await call({ method: 'GET', url: `/api/studies/${t.id}/randomization/sequence`, token: user.token }),
        403,
        'forbidden',
      );
    });
  });

  it('refuses every route signed out with 401 before looking at its input', async () => {
    for (const route of CLINICAL_ROUTES)
      for (const headers of [{}, { authorization: `Bearer td_${randomUUID()}` }] as Record<
        string,
        string
      >[]) {
        const res = await call({
          method: route.method,
          url: route.url.replace(/:\w+/g, 'not-an-id') + (route.method === 'GET' ? '?status=lost' : ''),
          headers,
          ...(route.method === 'GET' ? {} : { body: { bogus: true } }),
        });
        const error = expectError(res, 401, 'unauthenticated');
        expect(error.details, `${route.method} ${route.url}`).toBeUndefined();
      }
  });

  describe('OpenAPI', () => {
    it('documents every route of screening, randomization and supply', async () => {
      const res = await call({ method: 'GET', url: '/api/openapi.json' });
      expect(res.statusCode).toBe(200);
      const doc = res.json<{
        paths: Record<string, Record<string, { summary: string; tags: string[]; security: unknown[] }>>;
      }>();
      for (const route of CLINICAL_ROUTES) {
        const op = doc.paths[openApiPath(route.url)]?.[route.method.toLowerCase()];
        expect(op, `${route.method} ${route.url}`).toBeDefined();
        expect(op?.summary).toBe(route.summary);
        expect(op?.tags).toEqual([route.tag]);
        expect(op?.security).toEqual([{ sessionCookie: [] }, { bearerToken: [] }]);
        expect(s.app.hasRoute({ method: route.method, url: route.url })).toBe(true);
      }
    });
  });
});
