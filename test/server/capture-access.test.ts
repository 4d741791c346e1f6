import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PERMISSIONS, type Action } from '../../src/core/auth/permissions.js';
import { ROLE_INFO, ROLES, type Role } from '../../src/core/auth/roles.js';
import { captureRoutes } from '../../src/server/routes/capture.routes.js';
import { engines } from '../support/engines.js';
import { PASSWORD } from '../support/fixtures.js';
import { eligibleNr } from '../support/trial.js';
import {
  auditCount,
  openServer,
  openTrial,
  userOf,
  type Call,
  type HttpTrial,
  type TestServer,
  type TestUser,
  type TrialSite,
} from './support.js';

const ARM_CODES = ['TRIPLE', 'DOUBLE', 'CONTROL'] as const;
const ARM_NAMES = [
  'Celgosivir + peginterferon alfa-2b + ribavirin',
  'Celgosivir + peginterferon alfa-2b',
  'Celgosivir placebo + peginterferon alfa-2b + ribavirin',
];

/** Asserts a raw response body says nothing of the masked allocation: no arm code, name or field. */
function expectNoArm(label: string, res: LightMyRequestResponse): void {
  for (const text of [...ARM_CODES, ...ARM_NAMES])
    expect(res.body, `${label}: ${res.body}`).not.toContain(text);
  expect(res.body, label).not.toMatch(/placebo/i);
  expect(res.body, label).not.toMatch(/"(arm|armName|currentArm|treatments|stratum|slot)"\s*:/);
}

/** A date `days` from today (UTC). */
const day = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
const CONSENT = day(-120);
const D0 = day(-90);
const W12 = day(-6);
const REASON = 'Transcription error: corrected from the source document';
const RESULT = { visit: 'W12', collectedOn: W12, result: '<15', assay: 'COBAS TaqMan HCV v2.0' };
const AE = {
  verbatimTerm: 'Fatigue',
  codedTerm: 'Fatigue',
  bodySystem: 'General disorders',
  grade: 1,
  serious: false,
  relatedness: { CELGOSIVIR: 'possible', PEGIFN: 'probable', RBV: 'unlikely' },
  onsetDate: day(-80),
  endDate: null,
  outcome: 'recovering',
  actionTaken: 'none',
};
const DISPOSITION = { phase: 'MAIN', status: 'completed', date: W12 };
const QUERY = { form: 'visit:W12', field: 'visitDate', text: 'Please confirm the visit date in the notes' };

interface Recorded {
  readonly id: string;
  readonly resultId: string;
  readonly aeId: string;
}

/** One endpoint of the matrix: the action it authorizes and a request to make for a role. */
interface Endpoint {
  readonly route: string;
  readonly action: Action;
  readonly ok: number;
  /** The request for one role: allowed roles get a fresh target; refused ones share one, left as it was. */
  readonly request: (allowed: boolean) => Promise<Omit<Call, 'token'>>;
  /** Undoes a successful call (a lock), so the next one finds the study as before. */
  readonly undo?: () => Promise<void>;
}

describe.each(engines())('data capture access and blinding over HTTP on $name', (engine) => {
  let s: TestServer;
  let t: HttpTrial;
  let A: TrialSite;
  let B: TrialSite;
  /** At site A, targets of refused calls: one without a disposition, one with it; their queries. */
  let shared: Recorded;
  let disposed: Recorded;
  let openAtA: string;
  let answeredAtA: string;
  /** At site B: a subject with its records and a query. */
  let atB: Recorded;
  let queryAtB: string;
  /** Every response a blinded caller got, by what it was. */
  const blinded: { label: string; res: LightMyRequestResponse }[] = [];

  const call = async (c: Call, label?: string, role?: Role): Promise<LightMyRequestResponse> => {
    const res = await s.call(c);
    if (label !== undefined && (role === undefined || ROLE_INFO[role].blinded)) blinded.push({ label, res });
    return res;
  };
  const as = (user: TestUser, method: Call['method'], url: string, body?: unknown, label?: string) =>
    call({ method, url, token: user.token, ...(body === undefined ? {} : { body }) }, label);
  const ok = <T>(res: LightMyRequestResponse, status = 200): T => {
    expect(res.statusCode, res.body).toBe(status);
    return res.json<T>();
  };

  const enrol = async (site = 0, priorResponse: 'NR' | 'PR' = 'NR'): Promise<string> => {
    const at = t.sites[site] as TrialSite;
    const body = { siteId: at.id, answers: eligibleNr(priorResponse), consentedOn: CONSENT };
    const id = ok<{ id: string }>(
      await as(at.coordinator, 'POST', `/api/studies/${t.id}/subjects`, body, 'screen'),
      201,
    ).id;
    ok(
      await as(
        at.coordinator,
        'POST',
        `/api/subjects/${id}/randomize`,
        { requestId: randomUUID() },
        'randomize',
      ),
      201,
    );
    return id;
  };
  /** Enrols a subject and records its day-0 visit. */
  const withD0 = async (site = 0, priorResponse: 'NR' | 'PR' = 'NR'): Promise<string> => {
    const id = await enrol(site, priorResponse);
    const crc = (t.sites[site] as TrialSite).coordinator;
    ok(await as(crc, 'POST', `/api/subjects/${id}/visits`, { visit: 'D0', date: D0 }, 'visit D0'), 201);
    return id;
  };
  /** A randomized subject with D0 and W12, a W12 result, an adverse event and (optionally) MAIN ended. */
  const recorded = async (site = 0, disposition = true, priorResponse: 'NR' | 'PR' = 'NR') => {
    const id = await withD0(site, priorResponse);
    const at = t.sites[site] as TrialSite;
    const w12 = await as(
      at.investigator,
      'POST',
      `/api/subjects/${id}/visits`,
      { visit: 'W12', date: W12 },
      'visit',
    );
    ok(w12, 201);
    const url = `/api/subjects/${id}`;
    const result = ok<{ record: { id: string } }>(
      await as(at.coordinator, 'POST', `${url}/results`, RESULT, 'result'),
      201,
    );
    const ae = ok<{ record: { id: string } }>(
      await as(at.investigator, 'POST', `${url}/adverse-events`, AE, 'adverse event'),
      201,
    );
    if (disposition)
      ok(await as(at.coordinator, 'POST', `${url}/dispositions`, DISPOSITION, 'disposition'), 201);
    return { id, resultId: result.record.id, aeId: ae.record.id };
  };
  const openQuery = async (subjectId: string, monitor: TestUser = A.monitor): Promise<string> =>
    ok<{ id: string }>(
      await as(monitor, 'POST', `/api/subjects/${subjectId}/queries`, QUERY, 'open query'),
      201,
    ).id;
  const answered = async (subjectId: string): Promise<string> => {
    const id = await openQuery(subjectId);
    ok(await as(A.coordinator, 'POST', `/api/queries/${id}/answer`, { text: 'Confirmed' }, 'answer'));
    return id;
  };
  const lockStudy = async () => ok(await as(t.dm, 'POST', `/api/studies/${t.id}/lock`));
  const unlockStudy = async () =>
    ok(await as(t.dm, 'POST', `/api/studies/${t.id}/unlock`, { reason: 'Late corrections from site A' }));

  beforeAll(async () => {
    s = await openServer(engine);
    t = await openTrial(s, { sites: 2, kitsPerDrug: 40 });
    [A, B] = t.sites as [TrialSite, TrialSite];
    shared = await recorded(0, false);
    disposed = await recorded(0, true);
    openAtA = await openQuery(shared.id);
    answeredAtA = await answered(shared.id);
    atB = await recorded(1);
    queryAtB = await openQuery(atB.id, B.monitor);
  });
  afterAll(async () => {
    await s.close();
  });

  const send = (method: Call['method'], url: string, body?: unknown): Promise<Omit<Call, 'token'>> =>
    Promise.resolve({ method, url, ...(body === undefined ? {} : { body }) });
  const subject = (id: string, path: string): string => `/api/subjects/${id}${path}`;

  const ENDPOINTS: readonly Endpoint[] = [
    {
      route: 'GET /api/subjects/:subjectId/casebook',
      action: 'subject.read',
      ok: 200,
      request: () => send('GET', subject(shared.id, '/casebook')),
    },
    {
      route: 'POST /api/subjects/:subjectId/visits',
      action: 'data.enter',
      ok: 201,
      request: async (allowed) =>
        allowed
          ? send('POST', subject(await enrol(), '/visits'), { visit: 'D0', date: D0 })
          : send('POST', subject(shared.id, '/visits'), { visit: 'W4', date: day(-62) }),
    },
    {
      route: 'PUT /api/subjects/:subjectId/visits/:visit',
      action: 'data.enter',
      ok: 200,
      request: async (allowed) =>
        send('PUT', subject(allowed ? await withD0() : shared.id, '/visits/D0'), {
          date: day(-89),
          reasonForChange: REASON,
        }),
    },
    {
      route: 'POST /api/subjects/:subjectId/results',
      action: 'data.enter',
      ok: 201,
      request: async (allowed) =>
        allowed
          ? send('POST', subject(await enrol(), '/results'), RESULT)
          : send('POST', subject(shared.id, '/results'), { ...RESULT, visit: 'W4' }),
    },
    {
      route: 'PUT /api/results/:resultId',
      action: 'data.enter',
      ok: 200,
      request: async (allowed) => {
        let id = shared.resultId;
        if (allowed) {
          const res = await as(A.coordinator, 'POST', subject(await enrol(), '/results'), RESULT);
          id = ok<{ record: { id: string } }>(res, 201).record.id;
        }
        return send('PUT', `/api/results/${id}`, {
          collectedOn: W12,
          result: 'TND',
          assay: RESULT.assay,
          reasonForChange: REASON,
        });
      },
    },
    {
      route: 'POST /api/subjects/:subjectId/adverse-events',
      action: 'data.enter',
      ok: 201,
      request: () => send('POST', subject(shared.id, '/adverse-events'), AE),
    },
    {
      route: 'PUT /api/adverse-events/:adverseEventId',
      action: 'data.enter',
      ok: 200,
      request: async (allowed) => {
        let id = shared.aeId;
        if (allowed) {
          const res = await as(A.coordinator, 'POST', subject(shared.id, '/adverse-events'), AE);
          id = ok<{ record: { id: string } }>(res, 201).record.id;
        }
        return send('PUT', `/api/adverse-events/${id}`, { ...AE, grade: 2, reasonForChange: REASON });
      },
    },
    {
      route: 'POST /api/subjects/:subjectId/dispositions',
      action: 'data.enter',
      ok: 201,
      request: async (allowed) =>
        send('POST', subject(allowed ? await enrol() : shared.id, '/dispositions'), DISPOSITION),
    },
    {
      route: 'PUT /api/subjects/:subjectId/dispositions/:phase',
      action: 'data.enter',
      ok: 200,
      request: async (allowed) => {
        let id = disposed.id;
        if (allowed) {
          id = await enrol();
          ok(await as(A.coordinator, 'POST', subject(id, '/dispositions'), DISPOSITION), 201);
        }
        return send('PUT', subject(id, '/dispositions/MAIN'), {
          status: 'discontinued',
          reason: 'withdrawal_by_subject',
          date: W12,
          reasonForChange: REASON,
        });
      },
    },
    {
      route: 'POST /api/subjects/:subjectId/sdv',
      action: 'sdv.verify',
      ok: 200,
      request: async (allowed) =>
        send('POST', subject(allowed ? await withD0() : shared.id, '/sdv'), { form: 'visit:D0' }),
    },
    {
      route: 'POST /api/subjects/:subjectId/signature',
      action: 'casebook.sign',
      ok: 201,
      request: async (allowed) =>
        send('POST', subject(allowed ? await withD0() : shared.id, '/signature'), {
          password: PASSWORD,
          meaning: 'approval',
        }),
    },
    {
      route: 'POST /api/studies/:studyId/lock',
      action: 'study.lock',
      ok: 200,
      request: () => send('POST', `/api/studies/${t.id}/lock`, { reason: 'Week 12 analysis' }),
      undo: async () => {
        await unlockStudy();
      },
    },
    {
      route: 'POST /api/studies/:studyId/unlock',
      action: 'study.lock',
      ok: 200,
      request: async (allowed) => {
        if (allowed) await lockStudy();
        return send('POST', `/api/studies/${t.id}/unlock`, { reason: 'Late corrections from site A' });
      },
    },
    {
      route: 'POST /api/subjects/:subjectId/queries',
      action: 'query.open',
      ok: 201,
      request: () => send('POST', subject(shared.id, '/queries'), QUERY),
    },
    {
      route: 'GET /api/studies/:studyId/worklist',
      action: 'subject.read',
      ok: 200,
      request: () => send('GET', `/api/studies/${t.id}/worklist`),
    },
    {
      route: 'GET /api/studies/:studyId/queries',
      action: 'query.read',
      ok: 200,
      request: () => send('GET', `/api/studies/${t.id}/queries`),
    },
    {
      route: 'GET /api/queries/:queryId',
      action: 'query.read',
      ok: 200,
      request: () => send('GET', `/api/queries/${openAtA}`),
    },
    {
      route: 'POST /api/queries/:queryId/answer',
      action: 'query.answer',
      ok: 200,
      request: async (allowed) =>
        send('POST', `/api/queries/${allowed ? await openQuery(shared.id) : openAtA}/answer`, {
          text: 'Confirmed in the source notes',
        }),
    },
    {
      route: 'POST /api/queries/:queryId/close',
      action: 'query.close',
      ok: 200,
      request: async (allowed) =>
        send('POST', `/api/queries/${allowed ? await answered(shared.id) : answeredAtA}/close`, {
          text: 'Resolved',
        }),
    },
    {
      route: 'POST /api/queries/:queryId/reopen',
      action: 'query.close',
      ok: 200,
      request: async (allowed) =>
        send('POST', `/api/queries/${allowed ? await answered(shared.id) : answeredAtA}/reopen`, {
          text: 'Which source document?',
        }),
    },
  ];

  it('has a row for every route of data capture, review and queries', () => {
    expect(ENDPOINTS.map((e) => e.route).sort()).toEqual(
      captureRoutes.map((r) => `${r.method} ${r.url}`).sort(),
    );
  });

  // Every user holds one role, scoped to the trial (site roles: site A, where the targets are).
  describe.each(ENDPOINTS)('$route ($action)', ({ route, action, ok: status, request, undo }) => {
    const allowed = ROLES.filter((r) => PERMISSIONS[action].includes(r));
    const refused = ROLES.filter((r) => !PERMISSIONS[action].includes(r));

    it(`refuses ${refused.join(', ')} with 403, changing nothing`, async () => {
      const before = await auditCount(s, t);
      for (const role of refused) {
        const res = await call({ ...(await request(false)), token: userOf(t, role).token }, route, role);
        expect(res.statusCode, `${role}: ${res.body}`).toBe(403);
        expect(res.json<{ error: { code: string } }>().error.code).toBe('forbidden');
      }
      expect(await auditCount(s, t)).toBe(before);
    });

    it(`answers ${allowed.join(', ')} with ${status}`, async () => {
      for (const role of allowed) {
        const res = await call({ ...(await request(true)), token: userOf(t, role).token }, route, role);
        expect(res.statusCode, `${role}: ${res.body}`).toBe(status);
        await undo?.();
      }
    });
  });

  describe('site scoping', () => {
    it('refuses site A’s coordinator, investigator and monitor site B’s casebooks and queries with 403', async () => {
      for (const role of ['site_coordinator', 'investigator', 'monitor'] as const) {
        const user = userOf(t, role, 0);
        for (const url of [subject(atB.id, '/casebook'), `/api/queries/${queryAtB}`]) {
          const res = await as(user, 'GET', url);
          expect(res.statusCode, `${role} ${url}: ${res.body}`).toBe(403);
        }
      }
      // Site B's own monitor may.
      ok(await as(B.monitor, 'GET', subject(atB.id, '/casebook')));
      ok(await as(B.monitor, 'GET', `/api/queries/${queryAtB}`));
    });

    it('lists to a site’s staff only their site’s queries, whatever the filter; the sponsor sees both', async () => {
      const sitesIn = async (user: TestUser, q = '') => {
        const res = ok<{ siteId: string; subjectId: string }[]>(
          await as(user, 'GET', `/api/studies/${t.id}/queries${q}`),
        );
        return new Set(res.map((x) => x.siteId));
      };
      for (const role of ['site_coordinator', 'investigator', 'monitor'] as const) {
        expect(await sitesIn(userOf(t, role, 0)), role).toEqual(new Set([A.id]));
        expect(await sitesIn(userOf(t, role, 1)), role).toEqual(new Set([B.id]));
        expect(await sitesIn(userOf(t, role, 0), `?subjectId=${atB.id}`), role).toEqual(new Set());
      }
      expect(await sitesIn(t.dm)).toEqual(new Set([A.id, B.id]));
    });
  });

  describe('blinding', () => {
    /** Six subjects at A in the PR stratum, alone there: every arm is among them. */
    const six: Recorded[] = [];

    beforeAll(async () => {
      for (let i = 0; i < 6; i++) six.push(await recorded(0, true, 'PR'));
      for (const [i, r] of six.entries()) {
        const url = subject(r.id, '');
        const crc = i % 2 ? A.investigator : A.coordinator;
        const q = await openQuery(r.id);
        ok(await as(crc, 'POST', `/api/queries/${q}/answer`, { text: 'Confirmed' }, 'answer'));
        ok(await as(A.monitor, 'POST', `/api/queries/${q}/close`, { text: 'Thank you' }, 'close'));
        ok(await as(A.monitor, 'POST', `${url}/sdv`, { form: 'visit:W12' }, 'sdv'));
        ok(
          await as(
            crc,
            'PUT',
            `/api/results/${r.resultId}`,
            { ...RESULT, visit: undefined, result: 'TND', reasonForChange: REASON },
            'change result',
          ),
        );
        ok(
          await as(
            A.investigator,
            'POST',
            `${url}/signature`,
            { password: PASSWORD, meaning: 'approval' },
            'sign',
          ),
          201,
        );
        ok(
          await as(
            crc,
            'PUT',
            `/api/adverse-events/${r.aeId}`,
            { ...AE, grade: 2, reasonForChange: REASON },
            'change AE',
          ),
        );
        ok(
          await as(
            crc,
            'PUT',
            `${url}/dispositions/MAIN`,
            { ...DISPOSITION, phase: undefined, date: day(-5), reasonForChange: REASON },
            'change disposition',
          ),
        );
        // Refusals too: a duplicate, and a second signature.
        expect((await as(crc, 'POST', `${url}/results`, RESULT, 'duplicate result')).statusCode).toBe(409);
        expect(
          (await as(crc, 'POST', `${url}/dispositions`, DISPOSITION, 'duplicate disposition')).statusCode,
        ).toBe(409);
      }
    });

    it('spreads the six subjects over every arm (as the statistician sees it)', async () => {
      const allocations = ok<{ subjectId: string; arm: string }[]>(
        await as(t.stat, 'GET', `/api/studies/${t.id}/allocations`),
      );
      const arms = new Set(
        allocations.filter((a) => six.some((r) => r.id === a.subjectId)).map((a) => a.arm),
      );
      expect(arms).toEqual(new Set(ARM_CODES));
    });

    it('keeps the arm out of every response a blinded role got: writes, changes, refusals, signatures', () => {
      expect(blinded.length).toBeGreaterThan(100);
      for (const { label, res } of blinded) expectNoArm(label, res);
    });

    it('keeps the arm out of the casebooks, query lists and queries every blinded reader sees', async () => {
      const readers = ROLES.filter((r) => ROLE_INFO[r].blinded && PERMISSIONS['subject.read'].includes(r));
      expect(readers).toEqual(['site_coordinator', 'investigator', 'monitor', 'data_manager']);
      for (const role of readers) {
        const user = userOf(t, role);
        for (const r of six) {
          const res = await as(user, 'GET', subject(r.id, '/casebook'));
          expect(res.statusCode, res.body).toBe(200);
          expectNoArm(`${role} casebook`, res);
        }
        const list = await as(user, 'GET', `/api/studies/${t.id}/queries`);
        expect(list.statusCode).toBe(200);
        expectNoArm(`${role} queries`, list);
        for (const q of list.json<{ id: string }[]>().slice(0, 3))
          expectNoArm(`${role} query`, await as(user, 'GET', `/api/queries/${q.id}`));
      }
    });

    it('gives the unblinded statistician the casebook, without an arm either', async () => {
      for (const r of six) {
        const res = await as(t.stat, 'GET', subject(r.id, '/casebook'));
        expect(res.statusCode, res.body).toBe(200);
        expectNoArm('statistician casebook', res);
        expect(res.json<{ subject: { id: string } }>().subject.id).toBe(r.id);
      }
    });
  });
});
