import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE } from '../../src/server/route.js';
import { captureRoutes } from '../../src/server/routes/capture.routes.js';
import { engines } from '../support/engines.js';
import { PASSWORD } from '../support/fixtures.js';
import { eligibleNr } from '../support/trial.js';
import { openServer, openTrial, type HttpTrial, type TestServer, type TestUser } from './support.js';

/** A date `days` from today (UTC). */
const day = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
const D0 = day(-90);
const W12 = day(-6);

interface Casebook {
  readonly subject: { readonly id: string; readonly screeningNumber: string };
  readonly randomizationNumber: number | null;
  readonly day0: string | null;
  readonly schedule: readonly { visit: string; date: string | null; daysOutOfWindow: number | null }[];
  readonly results: readonly { id: string; visitCode: string; reported: string; result: unknown }[];
  readonly adverseEvents: readonly { id: string; number: number; grade: number }[];
  readonly forms: readonly { formKey: string; sdvAt: string | null; sdvBy: string | null }[];
  readonly signature: { signerName: string; meaning: string; statement: string } | null;
  readonly signatures: readonly { invalidatedAt: string | null; invalidatedReason: string | null }[];
  readonly openQueries: number;
}

interface Query {
  readonly id: string;
  readonly status: string;
  readonly form: string;
  readonly field: string;
  readonly messages: readonly { kind: string; text: string; authorRole: string }[];
}

/*
 * One subject's data capture and review as the sites, the monitor, the investigator and the data
 * manager do it, each signed in with their password and carrying the session cookie the API sets.
 */
describe.each(engines())('data capture flow over HTTP on $name', (engine) => {
  let s: TestServer;
  let t: HttpTrial;
  /** Session cookies, from signing in with a password. */
  const cookie: Record<'crc' | 'pi' | 'cra' | 'dm', string> = { crc: '', pi: '', cra: '', dm: '' };
  let subjectId: string;
  let resultId: string;
  let aeId: string;

  const as = (
    who: keyof typeof cookie,
    method: 'GET' | 'POST' | 'PUT',
    url: string,
    body?: unknown,
  ): Promise<LightMyRequestResponse> =>
    s.app.inject({
      method,
      url,
      cookies: { [SESSION_COOKIE]: cookie[who] },
      ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
    });
  const ok = <T>(res: LightMyRequestResponse, status = 200): T => {
    expect(res.statusCode, res.body).toBe(status);
    return res.json<T>();
  };
  const casebook = async (who: keyof typeof cookie = 'crc') =>
    ok<Casebook>(await as(who, 'GET', `/api/subjects/${subjectId}/casebook`));
  const form = async (key: string) => (await casebook()).forms.find((f) => f.formKey === key);
  const signIn = async (user: TestUser): Promise<string> => {
    const res = await s.app.inject({
      method: 'POST',
      url: '/api/auth/sign-in',
      payload: { username: user.username, password: PASSWORD },
    });
    expect(res.statusCode, res.body).toBe(200);
    const session = res.cookies.find((c) => c.name === SESSION_COOKIE);
    expect(session?.httpOnly).toBe(true);
    return session?.value ?? '';
  };

  beforeAll(async () => {
    s = await openServer(engine);
    t = await openTrial(s, { kitsPerDrug: 3 });
    const site = t.sites[0];
    if (!site) throw new Error('the trial has no site');
    cookie.crc = await signIn(site.coordinator);
    cookie.pi = await signIn(site.investigator);
    cookie.cra = await signIn(site.monitor);
    cookie.dm = await signIn(t.dm);
    const screened = ok<{ id: string }>(
      await as('crc', 'POST', `/api/studies/${t.id}/subjects`, {
        siteId: site.id,
        answers: eligibleNr(),
        consentedOn: day(-100),
      }),
      201,
    );
    subjectId = screened.id;
    ok(await as('crc', 'POST', `/api/subjects/${subjectId}/randomize`, { requestId: randomUUID() }), 201);
  });
  afterAll(async () => {
    await s.close();
  });

  it('records the day-0 and week-12 visits, in their windows', async () => {
    const d0 = ok<{ record: { visit: string; date: string }; queries: unknown[] }>(
      await as('crc', 'POST', `/api/subjects/${subjectId}/visits`, { visit: 'D0', date: D0 }),
      201,
    );
    expect(d0).toEqual({
      record: expect.objectContaining({ visit: 'D0', date: D0, daysOutOfWindow: 0 }),
      queries: [],
    });
    const w12 = ok<{ record: unknown; queries: unknown[] }>(
      await as('crc', 'POST', `/api/subjects/${subjectId}/visits`, { visit: 'W12', date: W12 }),
      201,
    );
    expect(w12.queries).toEqual([]);
    const book = await casebook();
    expect(book.day0).toBe(D0);
    expect(book.schedule.find((v) => v.visit === 'W12')).toMatchObject({ date: W12, daysOutOfWindow: 0 });
  });

  it('records a week-12 HCV RNA result below the LLOQ and an adverse event', async () => {
    const result = ok<{ record: { id: string; reported: string; result: unknown } }>(
      await as('crc', 'POST', `/api/subjects/${subjectId}/results`, {
        visit: 'W12',
        collectedOn: W12,
        result: '<15',
        assay: 'COBAS TaqMan HCV v2.0',
      }),
      201,
    );
    expect(result.record).toMatchObject({ reported: '<15', result: { kind: 'below_lloq', lloq: 15 } });
    resultId = result.record.id;
    const ae = ok<{ record: { id: string; number: number } }>(
      await as('crc', 'POST', `/api/subjects/${subjectId}/adverse-events`, {
        verbatimTerm: 'Flu-like symptoms after the injection',
        codedTerm: 'Influenza like illness',
        bodySystem: 'General disorders and administration site conditions',
        grade: 2,
        serious: false,
        relatedness: { CELGOSIVIR: 'unlikely', PEGIFN: 'probable', RBV: 'not_related' },
        onsetDate: day(-85),
        endDate: day(-83),
        outcome: 'recovered',
        actionTaken: 'none',
      }),
      201,
    );
    expect(ae.record.number).toBe(1);
    aeId = ae.record.id;
    const book = await casebook();
    expect(book.results.map((r) => [r.visitCode, r.reported])).toEqual([['W12', '<15']]);
    expect(book.adverseEvents.map((a) => a.number)).toEqual([1]);
  });

  it('runs a query: the monitor opens it, the coordinator answers, the monitor closes it', async () => {
    const opened = ok<Query>(
      await as('cra', 'POST', `/api/subjects/${subjectId}/queries`, {
        form: 'visit:W12',
        field: 'HCVRNA.result',
        text: 'The lab report says target not detected: please check',
      }),
      201,
    );
    expect(opened).toMatchObject({ status: 'open', form: 'visit:W12', field: 'HCVRNA.result' });
    expect((await casebook()).openQueries).toBe(1);
    const answered = ok<Query>(
      await as('crc', 'POST', `/api/queries/${opened.id}/answer`, { text: 'Correct: TND, will change it' }),
    );
    expect(answered.status).toBe('answered');
    const closed = ok<Query>(
      await as('cra', 'POST', `/api/queries/${opened.id}/close`, { text: 'Thank you' }),
    );
    expect(closed.status).toBe('closed');
    expect(closed.messages.map((m) => [m.kind, m.authorRole])).toEqual([
      ['open', 'monitor'],
      ['answer', 'site_coordinator'],
      ['close', 'monitor'],
    ]);
    expect((await casebook()).openQueries).toBe(0);
    const listed = ok<Query[]>(
      await as('dm', 'GET', `/api/studies/${t.id}/queries?status=closed&subjectId=${subjectId}`),
    );
    expect(listed.map((q) => q.id)).toEqual([opened.id]);
    // By site: the subject's site has it; a site the study does not have, nothing.
    const atSite = ok<Query[]>(
      await as('dm', 'GET', `/api/studies/${t.id}/queries?status=closed&siteId=${t.sites[0]?.id}`),
    );
    expect(atSite.map((q) => q.id)).toContain(opened.id);
    const elsewhere = ok<Query[]>(
      await as('dm', 'GET', `/api/studies/${t.id}/queries?siteId=${randomUUID()}`),
    );
    expect(elsewhere).toEqual([]);
  });

  it('verifies the week-12 form, and a change with a reason clears the verification', async () => {
    const verified = ok<{ formKey: string; sdvAt: string | null }>(
      await as('cra', 'POST', `/api/subjects/${subjectId}/sdv`, { form: 'visit:W12' }),
    );
    expect(verified.formKey).toBe('visit:W12');
    expect((await form('visit:W12'))?.sdvAt).not.toBeNull();
    const reason = 'Corrected to the lab report: target not detected';
    const changed = ok<{ record: { reported: string; result: unknown } }>(
      await as('crc', 'PUT', `/api/results/${resultId}`, {
        collectedOn: W12,
        result: 'TND',
        assay: 'COBAS TaqMan HCV v2.0',
        reasonForChange: reason,
      }),
    );
    expect(changed.record).toMatchObject({ reported: 'TND', result: { kind: 'not_detected' } });
    expect(await form('visit:W12')).toMatchObject({ sdvAt: null, sdvBy: null });
    // The day-0 form was not touched.
    expect((await casebook()).forms.map((f) => f.formKey).sort()).toEqual(['ae:1', 'visit:D0', 'visit:W12']);
    const audit = ok<{ action: string; reason: string | null; oldValue: unknown; newValue: unknown }[]>(
      await as('dm', 'GET', `/api/audit?studyId=${t.id}&entityType=result&entityId=${resultId}`),
    );
    expect(audit.map((e) => e.action)).toEqual(['result.create', 'result.update']);
    expect(audit[1]).toMatchObject({
      reason,
      oldValue: expect.objectContaining({ reported: '<15' }),
      newValue: expect.objectContaining({ reported: 'TND' }),
    });
  });

  it('takes the investigator’s signature, shown in the casebook until a change invalidates it', async () => {
    const signed = ok<{ meaning: string; statement: string }>(
      await as('pi', 'POST', `/api/subjects/${subjectId}/signature`, {
        password: PASSWORD,
        meaning: 'approval',
      }),
      201,
    );
    expect(signed.meaning).toBe('approval');
    const site = t.sites[0];
    expect(signed.statement).toContain(site?.investigator.username);
    const book = await casebook('pi');
    expect(book.signature).toMatchObject({ meaning: 'approval', statement: signed.statement });

    ok(
      await as('crc', 'PUT', `/api/adverse-events/${aeId}`, {
        verbatimTerm: 'Flu-like symptoms after the injection',
        codedTerm: 'Influenza like illness',
        bodySystem: 'General disorders and administration site conditions',
        grade: 3,
        serious: false,
        relatedness: { CELGOSIVIR: 'unlikely', PEGIFN: 'probable', RBV: 'not_related' },
        onsetDate: day(-85),
        endDate: day(-83),
        outcome: 'recovered',
        actionTaken: 'drug_interrupted',
        reasonForChange: 'Grade corrected after the investigator’s review',
      }),
    );
    const after = await casebook('pi');
    expect(after.signature).toBeNull();
    expect(after.signatures).toEqual([
      expect.objectContaining({
        invalidatedAt: expect.any(String),
        invalidatedReason: expect.stringContaining('ae:1'),
      }),
    ]);
    // Signed again, it holds.
    ok(
      await as('pi', 'POST', `/api/subjects/${subjectId}/signature`, {
        password: PASSWORD,
        meaning: 'review',
      }),
      201,
    );
    expect((await casebook('pi')).signature).toMatchObject({ meaning: 'review' });
  });

  it('locks the database: writes are refused; unlocked with a reason, they are accepted again', async () => {
    expect(ok(await as('dm', 'POST', `/api/studies/${t.id}/lock`, { reason: 'Week 12 analysis' }))).toEqual({
      status: 'locked',
    });
    const before = await casebook();
    for (const [who, method, url, body] of [
      ['crc', 'POST', `/api/subjects/${subjectId}/visits`, { visit: 'W4', date: day(-62) }],
      [
        'crc',
        'PUT',
        `/api/results/${resultId}`,
        { collectedOn: W12, result: '<15', assay: 'X', reasonForChange: 'Another correction' },
      ],
      ['cra', 'POST', `/api/subjects/${subjectId}/sdv`, { form: 'visit:W12' }],
      [
        'cra',
        'POST',
        `/api/subjects/${subjectId}/queries`,
        { form: 'visit:D0', field: 'visitDate', text: 'Date?' },
      ],
    ] as const) {
      const res = await as(who, method, url, body);
      expect(res.statusCode, res.body).toBe(423);
      expect(res.json<{ error: { code: string } }>().error.code).toBe('study_locked');
    }
    expect(await casebook()).toEqual(before);

    const refused = await as('dm', 'POST', `/api/studies/${t.id}/unlock`, {});
    expect(refused.statusCode, refused.body).toBe(400);
    expect(
      ok(await as('dm', 'POST', `/api/studies/${t.id}/unlock`, { reason: 'Late corrections from the site' })),
    ).toEqual({ status: 'active' });
    ok(await as('crc', 'POST', `/api/subjects/${subjectId}/visits`, { visit: 'W4', date: day(-62) }), 201);
    expect((await casebook()).schedule.find((v) => v.visit === 'W4')?.date).toBe(day(-62));
    const audit = ok<{ action: string; reason: string | null }[]>(
      await as('dm', 'GET', `/api/audit?studyId=${t.id}&entityType=study`),
    );
    expect(audit.filter((e) => e.action.startsWith('study.')).slice(-2)).toEqual([
      expect.objectContaining({ action: 'study.lock', reason: 'Week 12 analysis' }),
      expect.objectContaining({ action: 'study.unlock', reason: 'Late corrections from the site' }),
    ]);
  });

  it('keeps the study’s audit chain intact', async () => {
    const report = ok<{ ok: boolean }>(await as('dm', 'POST', '/api/audit/verify', { studyId: t.id }));
    expect(report.ok).toBe(true);
  });

  it('lists every data capture, review and query path in the OpenAPI document', async () => {
    const res = await s.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json<{
      paths: Record<string, Record<string, { summary: string; tags: string[]; security: unknown[] }>>;
    }>();
    const paths = [
      'GET /api/subjects/{subjectId}/casebook',
      'POST /api/subjects/{subjectId}/visits',
      'PUT /api/subjects/{subjectId}/visits/{visit}',
      'POST /api/subjects/{subjectId}/results',
      'PUT /api/results/{resultId}',
      'POST /api/subjects/{subjectId}/adverse-events',
      'PUT /api/adverse-events/{adverseEventId}',
      'POST /api/subjects/{subjectId}/dispositions',
      'PUT /api/subjects/{subjectId}/dispositions/{phase}',
      'POST /api/subjects/{subjectId}/sdv',
      'POST /api/subjects/{subjectId}/signature',
      'POST /api/studies/{studyId}/lock',
      'POST /api/studies/{studyId}/unlock',
      'POST /api/subjects/{subjectId}/queries',
      'GET /api/studies/{studyId}/queries',
      'GET /api/studies/{studyId}/worklist',
      'GET /api/queries/{queryId}',
      'POST /api/queries/{queryId}/answer',
      'POST /api/queries/{queryId}/close',
      'POST /api/queries/{queryId}/reopen',
    ];
    expect(captureRoutes.map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`).sort()).toEqual(
      [...paths].sort(),
    );
    for (const route of captureRoutes) {
      const op = doc.paths[route.url.replace(/:(\w+)/g, '{$1}')]?.[route.method.toLowerCase()];
      expect(op, `${route.method} ${route.url}`).toBeDefined();
      expect(op?.summary).toBe(route.summary);
      expect(op?.tags).toEqual([route.tag]);
      expect(op?.security).toEqual([{ sessionCookie: [] }, { bearerToken: [] }]);
    }
  });
});
