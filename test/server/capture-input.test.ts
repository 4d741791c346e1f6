import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureRoutes } from '../../src/server/routes/capture.routes.js';
import { engines } from '../support/engines.js';
import { PASSWORD } from '../support/fixtures.js';
import { eligibleNr } from '../support/trial.js';
import {
  auditCount,
  expectError,
  expectUnchanged,
  issuePaths,
  listOf,
  openServer,
  openTrial,
  type Call,
  type HttpTrial,
  type TestServer,
  type TestUser,
  type TrialSite,
} from './support.js';

/*
 * Field paths: the schema at the edge names where in the request a field is (`body.grade`,
 * `params.resultId`, `query.status`); checks the services make against the protocol, the subject or
 * the edit checks name the field of the service's input (`visit`, `relatedness.RBV`, `collectedOn`),
 * as the other input tests do.
 */

/** A date `days` from today (UTC), as the API writes dates. */
const day = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
/** Subjects consent 120 days ago and come to day 0 90 days ago, so week 12 was 6 days ago. */
const CONSENT = day(-120);
const D0 = day(-90);
const W12 = day(-6);
const REASON = 'Transcription error: corrected from the source document';

const RESULT = { visit: 'W12', collectedOn: W12, result: '<15', assay: 'COBAS TaqMan HCV v2.0' };
const RESULT_CHANGE = { collectedOn: W12, result: 'TND', assay: RESULT.assay, reasonForChange: REASON };
const AE = {
  verbatimTerm: 'Headache after injection',
  codedTerm: 'Headache',
  bodySystem: 'Nervous system disorders',
  grade: 2,
  serious: false,
  relatedness: { CELGOSIVIR: 'unlikely', PEGIFN: 'probable', RBV: 'not_related' },
  onsetDate: day(-60),
  endDate: day(-55),
  outcome: 'recovered',
  actionTaken: 'none',
};
const DISPOSITION = { phase: 'MAIN', status: 'completed', date: W12 };
const QUERY = { form: 'visit:W12', field: 'HCVRNA.result', text: 'Please confirm against the lab report' };

/** A randomized subject with every kind of record, as `recorded()` makes it. */
interface Recorded {
  readonly id: string;
  readonly resultId: string;
  readonly aeId: string;
}

interface Saved {
  readonly record: { readonly id: string };
  readonly queries: readonly { form: string; field: string; check: string | null; origin: string }[];
}

type Cases = readonly (readonly [unknown, readonly string[]])[];

describe.each(engines())('data capture input over HTTP on $name', (engine) => {
  let s: TestServer;
  let t: HttpTrial;
  let A: TrialSite;
  let B: TrialSite;
  /** A data manager of every study: the one role that learns whether a study exists. */
  let sponsorDm: TestUser;
  /** Site B's records, the targets of site A's staff. */
  let atB: Recorded;
  let queryAtB: string;

  const send = (method: Call['method'], url: string, user: TestUser, body?: unknown) =>
    s.call({ method, url, token: user.token, ...(body === undefined ? {} : { body }) });
  const post = (url: string, user: TestUser, body?: unknown) => send('POST', url, user, body);
  const put = (url: string, user: TestUser, body?: unknown) => send('PUT', url, user, body);
  const get = (url: string, user: TestUser) => send('GET', url, user);
  const ok = <T>(res: LightMyRequestResponse, status = 200): T => {
    expect(res.statusCode, res.body).toBe(status);
    return res.json<T>();
  };

  const screen = async (site = 0, answers: Record<string, unknown> = eligibleNr()): Promise<string> => {
    const at = t.sites[site] as TrialSite;
    const body = { siteId: at.id, answers, consentedOn: CONSENT };
    return ok<{ id: string }>(await post(`/api/studies/${t.id}/subjects`, at.coordinator, body), 201).id;
  };
  const enrol = async (site = 0): Promise<string> => {
    const id = await screen(site);
    const at = t.sites[site] as TrialSite;
    ok(await post(`/api/subjects/${id}/randomize`, at.coordinator, { requestId: randomUUID() }), 201);
    return id;
  };
  /** A randomized subject with D0 and W12, a W12 result, an adverse event and (optionally) MAIN ended. */
  const recorded = async (site = 0, disposition = true): Promise<Recorded> => {
    const id = await enrol(site);
    const crc = (t.sites[site] as TrialSite).coordinator;
    ok(await post(`/api/subjects/${id}/visits`, crc, { visit: 'D0', date: D0 }), 201);
    ok(await post(`/api/subjects/${id}/visits`, crc, { visit: 'W12', date: W12 }), 201);
    const result = ok<Saved>(await post(`/api/subjects/${id}/results`, crc, RESULT), 201);
    const ae = ok<Saved>(await post(`/api/subjects/${id}/adverse-events`, crc, AE), 201);
    if (disposition) ok(await post(`/api/subjects/${id}/dispositions`, crc, DISPOSITION), 201);
    return { id, resultId: result.record.id, aeId: ae.record.id };
  };
  const openQuery = async (subjectId: string, monitor = A.monitor): Promise<string> =>
    ok<{ id: string }>(await post(`/api/subjects/${subjectId}/queries`, monitor, QUERY), 201).id;

  /** Runs `refuse` and checks nothing changed: the audit chain, the trial, the casebooks, the queries. */
  const unchanged = async (subjects: readonly string[], refuse: () => Promise<void>): Promise<void> => {
    const state = async () => [
      await Promise.all(subjects.map(async (id) => ok(await get(`/api/subjects/${id}/casebook`, t.dm)))),
      await listOf(s, `/api/studies/${t.id}/queries`, t.dm),
    ];
    const before = await state();
    await expectUnchanged(s, t, refuse);
    expect(await state()).toEqual(before);
  };

  /** Each body is refused with 400 naming exactly these paths, each with its reason. */
  const refuses = async (
    request: (body: unknown) => Promise<LightMyRequestResponse>,
    cases: Cases,
  ): Promise<void> => {
    for (const [body, paths] of cases) {
      const error = expectError(await request(body), 400, 'validation');
      expect(issuePaths(error), JSON.stringify(body)).toEqual(paths);
      for (const issue of error.details?.issues ?? [])
        expect(issue.message, JSON.stringify(body)).not.toMatch(/^(Invalid input)?$/);
    }
  };

  beforeAll(async () => {
    s = await openServer(engine);
    // Site A randomizes a few dozen subjects: enough of each CELGOSIVIR content for every arm.
    t = await openTrial(s, { sites: 2, kitsPerDrug: 45 });
    [A, B] = t.sites as [TrialSite, TrialSite];
    sponsorDm = await s.user([{ role: 'data_manager' }]);
    atB = await recorded(1);
    queryAtB = await openQuery(atB.id, B.monitor);
  });
  afterAll(async () => {
    await s.close();
  });

  describe('ids, unknown records, other sites, signed out', () => {
    const fill = (url: string, malformed: string): string =>
      url
        .replace(/:(studyId|subjectId|resultId|adverseEventId|queryId)/g, (_m, name: string) =>
          name === malformed ? 'nope' : randomUUID(),
        )
        .replace(':visit', malformed === 'visit' ? 'w12' : 'W12')
        .replace(':phase', malformed === 'phase' ? 'main' : 'MAIN');

    it('refuses a malformed id or code in the path with 400 naming params.…', async () => {
      let checked = 0;
      for (const route of captureRoutes)
        for (const [, name] of route.url.matchAll(/:(\w+)/g)) {
          const url = fill(route.url, name as string);
          const method = route.method;
          const res = await send(method, url, A.coordinator, method === 'GET' ? undefined : {});
          expect(issuePaths(expectError(res, 400, 'validation')), `${route.method} ${url}`).toEqual([
            `params.${name}`,
          ]);
          checked++;
        }
      expect(checked).toBeGreaterThanOrEqual(captureRoutes.length);
    });

    it('answers 404 for a subject, result, adverse event or query that does not exist, writing nothing', async () => {
      const id = randomUUID();
      const calls: [TestUser, Call['method'], string, unknown][] = [
        [A.coordinator, 'GET', `/api/subjects/${id}/casebook`, undefined],
        [A.coordinator, 'POST', `/api/subjects/${id}/visits`, { visit: 'W12', date: W12 }],
        [A.coordinator, 'PUT', `/api/subjects/${id}/visits/W12`, { date: W12, reasonForChange: REASON }],
        [A.coordinator, 'POST', `/api/subjects/${id}/results`, RESULT],
        [A.coordinator, 'PUT', `/api/results/${id}`, RESULT_CHANGE],
        [A.coordinator, 'POST', `/api/subjects/${id}/adverse-events`, AE],
        [A.coordinator, 'PUT', `/api/adverse-events/${id}`, { ...AE, reasonForChange: REASON }],
        [A.coordinator, 'POST', `/api/subjects/${id}/dispositions`, DISPOSITION],
        [
          A.coordinator,
          'PUT',
          `/api/subjects/${id}/dispositions/MAIN`,
          { status: 'completed', date: W12, reasonForChange: REASON },
        ],
        [A.monitor, 'POST', `/api/subjects/${id}/sdv`, { form: 'visit:W12' }],
        [
          A.investigator,
          'POST',
          `/api/subjects/${id}/signature`,
          { password: PASSWORD, meaning: 'approval' },
        ],
        [A.monitor, 'POST', `/api/subjects/${id}/queries`, QUERY],
        [A.monitor, 'GET', `/api/queries/${id}`, undefined],
        [A.coordinator, 'POST', `/api/queries/${id}/answer`, { text: 'Checked' }],
        [A.monitor, 'POST', `/api/queries/${id}/close`, { text: 'Fine' }],
        [A.monitor, 'POST', `/api/queries/${id}/reopen`, { text: 'Again?' }],
      ];
      await unchanged([atB.id], async () => {
        for (const [user, method, url, body] of calls) {
          const error = expectError(await send(method, url, user, body), 404, 'not_found');
          expect(error.message, `${method} ${url}`).toContain(id);
        }
      });
    });

    it('answers 404 for a study that does not exist to a sponsor-wide data manager, 403 to others', async () => {
      const id = randomUUID();
      for (const [method, url, body] of [
        ['POST', `/api/studies/${id}/lock`, undefined],
        ['POST', `/api/studies/${id}/unlock`, { reason: 'Late query answers are coming in' }],
        ['GET', `/api/studies/${id}/queries`, undefined],
      ] as const) {
        expectError(await send(method, url, sponsorDm, body), 404, 'not_found');
        // A grant in another study says nothing about whether this one exists.
        expectError(await send(method, url, t.dm, body), 403, 'forbidden');
      }
    });

    it('refuses site A’s staff every record of site B with 403, writing nothing', async () => {
      const b = atB.id;
      const calls: [TestUser, Call['method'], string, unknown][] = [
        [A.coordinator, 'GET', `/api/subjects/${b}/casebook`, undefined],
        [A.investigator, 'GET', `/api/subjects/${b}/casebook`, undefined],
        [A.monitor, 'GET', `/api/subjects/${b}/casebook`, undefined],
        [A.coordinator, 'POST', `/api/subjects/${b}/visits`, { visit: 'W4', date: day(-62) }],
        [A.coordinator, 'PUT', `/api/subjects/${b}/visits/W12`, { date: day(-5), reasonForChange: REASON }],
        [A.investigator, 'POST', `/api/subjects/${b}/results`, { ...RESULT, visit: 'W4' }],
        [A.coordinator, 'PUT', `/api/results/${atB.resultId}`, RESULT_CHANGE],
        [A.coordinator, 'POST', `/api/subjects/${b}/adverse-events`, AE],
        [
          A.investigator,
          'PUT',
          `/api/adverse-events/${atB.aeId}`,
          { ...AE, grade: 3, reasonForChange: REASON },
        ],
        [A.coordinator, 'POST', `/api/subjects/${b}/dispositions`, { ...DISPOSITION, phase: 'EXT' }],
        [
          A.coordinator,
          'PUT',
          `/api/subjects/${b}/dispositions/MAIN`,
          { status: 'discontinued', reason: 'other', date: W12, reasonForChange: REASON },
        ],
        [A.monitor, 'POST', `/api/subjects/${b}/sdv`, { form: 'visit:W12' }],
        [A.investigator, 'POST', `/api/subjects/${b}/signature`, { password: PASSWORD, meaning: 'approval' }],
        [A.monitor, 'POST', `/api/subjects/${b}/queries`, QUERY],
        [A.monitor, 'GET', `/api/queries/${queryAtB}`, undefined],
        [A.coordinator, 'GET', `/api/queries/${queryAtB}`, undefined],
        [A.coordinator, 'POST', `/api/queries/${queryAtB}/answer`, { text: 'Checked' }],
        [A.monitor, 'POST', `/api/queries/${queryAtB}/close`, { text: 'Fine' }],
        [A.monitor, 'POST', `/api/queries/${queryAtB}/reopen`, { text: 'Again?' }],
      ];
      await unchanged([b], async () => {
        for (const [user, method, url, body] of calls) {
          const res = await send(method, url, user, body);
          expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(403);
          expect(res.json<{ error: { code: string } }>().error.code).toBe('forbidden');
        }
      });
      // Site A's lists never show site B's queries, even when asked for them.
      for (const user of [A.coordinator, A.investigator, A.monitor]) {
        const seen = await listOf<{ siteId: string }>(s, `/api/studies/${t.id}/queries?subjectId=${b}`, user);
        expect(seen).toEqual([]);
      }
    });

    it('refuses every route signed out with 401 before looking at its input', async () => {
      for (const route of captureRoutes)
        for (const headers of [{}, { authorization: `Bearer td_${randomUUID()}` }] as Record<
          string,
          string
        >[]) {
          const res = await s.call({
            method: route.method,
            url: route.url.replace(/:\w+/g, 'not-an-id') + (route.method === 'GET' ? '?status=lost' : ''),
            headers,
            ...(route.method === 'GET' ? {} : { body: { bogus: true } }),
          });
          const error = expectError(res, 401, 'unauthenticated');
          expect(error.details, `${route.method} ${route.url}`).toBeUndefined();
        }
    });
  });

  describe('visits', () => {
    it('refuses malformed visits with 400 naming each field, recording nothing', async () => {
      const id = await enrol();
      const url = `/api/subjects/${id}/visits`;
      await unchanged([id], () =>
        refuses(
          (body) => post(url, A.coordinator, body),
          [
            [{ visit: 'w12', date: W12 }, ['body.visit']],
            [{ visit: 12, date: W12 }, ['body.visit']],
            [{ visit: 'W12', date: '2026-02-30' }, ['body.date']],
            [{ visit: 'W12', date: '06/03/2026' }, ['body.date']],
            [{ visit: 'W12', date: 20260101 }, ['body.date']],
            [{ visit: 'W12' }, ['body.date']],
            [{ date: W12 }, ['body.visit']],
            [{ visit: 'W12', date: W12, kits: 3 }, ['body']],
            [undefined, ['body']],
            [{ visit: 'W99', date: W12 }, ['visit']],
          ],
        ),
      );
    });

    it('names the date of a visit in the future or before consent (400, body field date)', async () => {
      const id = await enrol();
      ok(await post(`/api/subjects/${id}/visits`, A.coordinator, { visit: 'D0', date: D0 }), 201);
      await unchanged([id], async () => {
        await refuses(
          (body) => post(`/api/subjects/${id}/visits`, A.coordinator, body),
          [
            [{ visit: 'W1', date: day(2) }, ['date']],
            [{ visit: 'W1', date: day(-121) }, ['date']],
          ],
        );
        await refuses(
          (body) => put(`/api/subjects/${id}/visits/D0`, A.coordinator, body),
          [
            [{ date: day(2), reasonForChange: REASON }, ['date']],
            [{ date: day(-121), reasonForChange: REASON }, ['date']],
          ],
        );
      });
    });

    it('accepts a visit out of its window with 201 and opens a query on its date', async () => {
      const id = await enrol();
      ok(await post(`/api/subjects/${id}/visits`, A.coordinator, { visit: 'D0', date: D0 }), 201);
      const late = day(-90 + 28 + 9);
      const saved = ok<Saved & { record: { daysOutOfWindow: number } }>(
        await post(`/api/subjects/${id}/visits`, A.coordinator, { visit: 'W4', date: late }),
        201,
      );
      expect(saved.record).toMatchObject({ visit: 'W4', date: late, daysOutOfWindow: 6 });
      expect(saved.queries).toEqual([
        expect.objectContaining({
          form: 'visit:W4',
          field: 'visitDate',
          check: 'WINDOW',
          origin: 'edit_check',
        }),
      ]);
    });

    it('refuses a visit the subject cannot have yet, or any after a screen failure, with 409', async () => {
      const eligible = await screen();
      const randomized = await enrol();
      const failed = await screen(0, { ...eligibleNr(), hcvGenotype: '3' });
      await unchanged([eligible, randomized, failed], async () => {
        for (const [id, visit] of [
          [eligible, 'W12'],
          [eligible, 'D0'],
          [randomized, 'W16'],
          [failed, 'SCR'],
        ] as const) {
          const error = expectError(
            await post(`/api/subjects/${id}/visits`, A.coordinator, { visit, date: day(-100) }),
            409,
            'conflict',
          );
          expect(error.message).toContain(visit);
        }
      });
    });

    it('records a visit once: again is 409 naming the visit; a change needs a reason', async () => {
      const id = await enrol();
      const url = `/api/subjects/${id}/visits`;
      ok(await post(url, A.coordinator, { visit: 'D0', date: D0 }), 201);
      await unchanged([id], async () => {
        for (const date of [D0, day(-89)]) {
          const error = expectError(await post(url, A.investigator, { visit: 'D0', date }), 409, 'conflict');
          expect(error.message).toMatch(/D0 is already recorded/);
          expect(error.details).toEqual({ visit: 'D0' });
        }
        await refuses(
          (body) => put(`${url}/D0`, A.coordinator, body),
          [
            [{ date: day(-89) }, ['body.reasonForChange']],
            [{ date: day(-89), reasonForChange: 'ok' }, ['body.reasonForChange']],
            [{ date: day(-89), reasonForChange: '      ' }, ['body.reasonForChange']],
            [{ date: '2026-02-30', reasonForChange: REASON }, ['body.date']],
            [{ visit: 'W4', date: day(-89), reasonForChange: REASON }, ['body']],
          ],
        );
        expectError(
          await put(`${url}/D0`, A.coordinator, { date: D0, reasonForChange: REASON }),
          409,
          'conflict',
        );
        for (const visit of ['W4', 'W99'])
          expectError(
            await put(`${url}/${visit}`, A.coordinator, { date: D0, reasonForChange: REASON }),
            404,
            'not_found',
          );
      });
    });
  });

  describe('results', () => {
    it('refuses malformed results with 400 naming each field, recording nothing', async () => {
      const id = await enrol();
      await unchanged([id], () =>
        refuses(
          (body) => post(`/api/subjects/${id}/results`, A.coordinator, body),
          [
            [{ ...RESULT, result: {} }, ['body.result']],
            [{ ...RESULT, result: true }, ['body.result']],
            [{ ...RESULT, result: '' }, ['body.result']],
            [{ ...RESULT, collectedOn: '2026-02-30' }, ['body.collectedOn']],
            [{ visit: 'W12', result: '<15', assay: RESULT.assay }, ['body.collectedOn']],
            [{ collectedOn: W12, result: '<15', assay: RESULT.assay }, ['body.visit']],
            [{ ...RESULT, measure: 'hcvrna' }, ['body.measure']],
            [{ ...RESULT, lloq: 0 }, ['body.lloq']],
            [{ ...RESULT, lloq: '15' }, ['body.lloq']],
            [{ ...RESULT, source: 'central_lab' }, ['body']],
            // Checked by the service against the protocol, the assay and the edit checks.
            [{ ...RESULT, visit: 'W99' }, ['visit']],
            [{ ...RESULT, measure: 'ALT' }, ['measure']],
            [{ ...RESULT, result: 'lots' }, ['result']],
            [{ ...RESULT, result: 10 }, ['result']],
            [{ ...RESULT, result: 2e9 }, ['result']],
            [{ ...RESULT, unit: 'copies/mL' }, ['unit']],
            [{ visit: 'W12', collectedOn: W12, result: '<15' }, ['assay']],
            [{ ...RESULT, collectedOn: day(2) }, ['collectedOn']],
            [{ ...RESULT, collectedOn: day(-150) }, ['collectedOn']],
          ],
        ),
      );
    });

    it('refuses a result at a visit the subject cannot have yet with 409', async () => {
      const eligible = await screen();
      await unchanged([eligible], async () => {
        expectError(await post(`/api/subjects/${eligible}/results`, A.coordinator, RESULT), 409, 'conflict');
      });
    });

    it('records a result once: a second one is 409 naming the result; a change needs a reason', async () => {
      const id = await enrol();
      const first = ok<Saved>(await post(`/api/subjects/${id}/results`, A.coordinator, RESULT), 201);
      expect(first.record).toMatchObject({ reported: '<15', result: { kind: 'below_lloq', lloq: 15 } });
      await unchanged([id], async () => {
        for (const result of ['<15', 2_400_000]) {
          const error = expectError(
            await post(`/api/subjects/${id}/results`, A.investigator, { ...RESULT, result }),
            409,
            'conflict',
          );
          expect(error.message).toMatch(/HCVRNA result at W12 is already recorded/);
          expect(error.details).toEqual({ resultId: first.record.id });
        }
        await refuses(
          (body) => put(`/api/results/${first.record.id}`, A.coordinator, body),
          [
            [{ collectedOn: W12, result: 'TND', assay: RESULT.assay }, ['body.reasonForChange']],
            [{ ...RESULT_CHANGE, result: {} }, ['body.result']],
            [{ ...RESULT_CHANGE, visit: 'W4' }, ['body']],
            [{ ...RESULT_CHANGE, unit: 'copies/mL' }, ['unit']],
            [{ collectedOn: W12, result: 'TND', reasonForChange: REASON }, ['assay']],
          ],
        );
        expectError(
          await put(`/api/results/${first.record.id}`, A.coordinator, {
            ...RESULT_CHANGE,
            result: '<15',
          }),
          409,
          'conflict',
        );
      });
    });

    it('accepts a result over the confirmation limit with 201 and opens a query on it', async () => {
      const id = await enrol();
      const saved = ok<Saved>(
        await post(`/api/subjects/${id}/results`, A.coordinator, { ...RESULT, visit: 'W8', result: 6e7 }),
        201,
      );
      expect(saved.queries).toEqual([
        expect.objectContaining({ form: 'visit:W8', field: 'HCVRNA.result', check: 'HCV_HIGH' }),
      ]);
    });
  });

  describe('adverse events', () => {
    it('refuses malformed adverse events with 400 naming each field, recording nothing', async () => {
      const id = await enrol();
      await unchanged([id], () =>
        refuses(
          (body) => post(`/api/subjects/${id}/adverse-events`, A.coordinator, body),
          [
            [{ ...AE, grade: '3' }, ['body.grade']],
            [{ ...AE, grade: 0 }, ['body.grade']],
            [{ ...AE, grade: 6 }, ['body.grade']],
            [{ ...AE, grade: 2.5 }, ['body.grade']],
            [{ ...AE, serious: 'no' }, ['body.serious']],
            [{ ...AE, relatedness: 'possible' }, ['body.relatedness']],
            [{ ...AE, relatedness: { ...AE.relatedness, PEGIFN: 'maybe' } }, ['body.relatedness.PEGIFN']],
            [{ ...AE, outcome: 'fine' }, ['body.outcome']],
            [{ ...AE, actionTaken: 'stopped' }, ['body.actionTaken']],
            [{ ...AE, onsetDate: '2026-02-30' }, ['body.onsetDate']],
            [{ ...AE, endDate: '' }, ['body.endDate']],
            [{ ...AE, verbatimTerm: '   ' }, ['body.verbatimTerm']],
            [{ ...AE, verbatimTerm: undefined }, ['body.verbatimTerm']],
            [{ ...AE, number: 3 }, ['body']],
            // Checked by the service against the protocol's drugs and the edit checks.
            [{ ...AE, relatedness: { CELGOSIVIR: 'possible', PEGIFN: 'possible' } }, ['relatedness.RBV']],
            [{ ...AE, relatedness: { ...AE.relatedness, ASPIRIN: 'possible' } }, ['relatedness.ASPIRIN']],
            [{ ...AE, grade: 5 }, ['outcome']],
            [{ ...AE, grade: 3, outcome: 'fatal' }, ['outcome']],
            [{ ...AE, endDate: day(-70) }, ['endDate']],
            [{ ...AE, onsetDate: day(2), endDate: null }, ['onsetDate']],
            [{ ...AE, onsetDate: day(-130) }, ['onsetDate']],
          ],
        ),
      );
    });

    it('refuses an adverse event of a subject who is not randomized with 409', async () => {
      const eligible = await screen();
      await unchanged([eligible], async () => {
        expectError(
          await post(`/api/subjects/${eligible}/adverse-events`, A.coordinator, AE),
          409,
          'conflict',
        );
      });
    });

    it('numbers adverse events; a change needs a reason and a difference', async () => {
      const id = await enrol();
      const url = `/api/subjects/${id}/adverse-events`;
      const first = ok<Saved & { record: { number: number } }>(await post(url, A.coordinator, AE), 201);
      const second = ok<Saved & { record: { number: number } }>(await post(url, A.investigator, AE), 201);
      expect([first.record.number, second.record.number]).toEqual([1, 2]);
      await unchanged([id], async () => {
        await refuses(
          (body) => put(`/api/adverse-events/${first.record.id}`, A.coordinator, body),
          [
            [{ ...AE, grade: 3 }, ['body.reasonForChange']],
            [{ ...AE, grade: '3', reasonForChange: REASON }, ['body.grade']],
            [{ ...AE, reasonForChange: REASON, number: 2 }, ['body']],
            [
              { ...AE, relatedness: { PEGIFN: 'possible' }, reasonForChange: REASON },
              ['relatedness.CELGOSIVIR', 'relatedness.RBV'],
            ],
          ],
        );
        expectError(
          await put(`/api/adverse-events/${first.record.id}`, A.coordinator, {
            ...AE,
            reasonForChange: REASON,
          }),
          409,
          'conflict',
        );
      });
    });
  });

  describe('dispositions', () => {
    it('refuses malformed dispositions with 400 naming each field, recording nothing', async () => {
      const id = await enrol();
      const discontinued = { phase: 'MAIN', status: 'discontinued', date: W12, reason: 'adverse_event' };
      await unchanged([id], () =>
        refuses(
          (body) => post(`/api/subjects/${id}/dispositions`, A.coordinator, body),
          [
            [{ ...DISPOSITION, status: 'done' }, ['body.status']],
            [{ ...DISPOSITION, phase: 'main' }, ['body.phase']],
            [{ ...DISPOSITION, date: '2026-02-30' }, ['body.date']],
            [{ ...discontinued, reason: 'bored' }, ['body.reason']],
            [{ ...discontinued, relatedDrug: 'pegifn' }, ['body.relatedDrug']],
            [{ ...DISPOSITION, detail: '' }, ['body.detail']],
            [{ phase: 'MAIN', date: W12 }, ['body.status']],
            [{ ...DISPOSITION, armAtEnd: 'x' }, ['body']],
            // Checked by the service against the protocol and the edit checks.
            [{ ...discontinued, reason: undefined }, ['reason']],
            [{ ...DISPOSITION, reason: 'other' }, ['reason']],
            [{ ...discontinued, reason: 'other', relatedDrug: 'PEGIFN' }, ['relatedDrug']],
            [{ ...discontinued, relatedDrug: 'ASPIRIN' }, ['relatedDrug']],
            [{ ...DISPOSITION, phase: 'XYZ' }, ['phase']],
            [{ ...DISPOSITION, date: day(2) }, ['date']],
            [{ ...DISPOSITION, date: day(-121) }, ['date']],
          ],
        ),
      );
    });

    it('refuses the disposition of a phase not entered, or of a subject not randomized, with 409', async () => {
      const eligible = await screen();
      const randomized = await enrol();
      await unchanged([eligible, randomized], async () => {
        expectError(
          await post(`/api/subjects/${eligible}/dispositions`, A.coordinator, DISPOSITION),
          409,
          'conflict',
        );
        const error = expectError(
          await post(`/api/subjects/${randomized}/dispositions`, A.coordinator, {
            ...DISPOSITION,
            phase: 'EXT',
          }),
          409,
          'conflict',
        );
        expect(error.message).toMatch(/election/);
      });
    });

    it('records a phase’s disposition once: again is 409; a change needs a reason and a difference', async () => {
      const id = await enrol();
      const url = `/api/subjects/${id}/dispositions`;
      ok(await post(url, A.coordinator, DISPOSITION), 201);
      await unchanged([id], async () => {
        const error = expectError(
          await post(url, A.investigator, { ...DISPOSITION, status: 'discontinued', reason: 'other' }),
          409,
          'conflict',
        );
        expect(error.message).toMatch(/MAIN disposition .* is already recorded/);
        await refuses(
          (body) => put(`${url}/MAIN`, A.coordinator, body),
          [
            [{ status: 'discontinued', reason: 'other', date: W12 }, ['body.reasonForChange']],
            [{ status: 'done', date: W12, reasonForChange: REASON }, ['body.status']],
            [{ status: 'discontinued', date: W12, reasonForChange: REASON }, ['reason']],
            [{ ...DISPOSITION, reasonForChange: REASON }, ['body']],
          ],
        );
        expectError(
          await put(`${url}/MAIN`, A.coordinator, {
            status: 'completed',
            date: W12,
            reasonForChange: REASON,
          }),
          409,
          'conflict',
        );
        for (const phase of ['EXT', 'XYZ'])
          expectError(
            await put(`${url}/${phase}`, A.coordinator, {
              status: 'completed',
              date: W12,
              reasonForChange: REASON,
            }),
            404,
            'not_found',
          );
      });
    });
  });

  describe('source-data verification and signature', () => {
    it('refuses malformed verifications with 400, unknown forms with 404, a repeat with 409', async () => {
      const r = await recorded();
      const url = `/api/subjects/${r.id}/sdv`;
      await unchanged([r.id], async () => {
        await refuses(
          (body) => post(url, A.monitor, body),
          [
            [{ form: 'visit:w12' }, ['body.form']],
            [{ form: 'lab:1' }, ['body.form']],
            [{ form: 'visit:W12', verified: 'yes' }, ['body.verified']],
            [{}, ['body.form']],
            [{ form: 'visit:W12', by: 'me' }, ['body']],
          ],
        );
        for (const form of ['visit:W4', 'ae:9', 'disposition:EXT'])
          expectError(await post(url, A.monitor, { form }), 404, 'not_found');
        expectError(await post(url, A.monitor, { form: 'visit:W12', verified: false }), 409, 'conflict');
      });
      ok(await post(url, A.monitor, { form: 'visit:W12' }));
      await unchanged([r.id], async () => {
        expectError(await post(url, A.monitor, { form: 'visit:W12' }), 409, 'conflict');
      });
    });

    it('refuses a malformed signature with 400, a wrong password with 401, a second one with 409', async () => {
      const r = await recorded();
      // Its own investigator: a wrong password counts towards the re-check throttle of its session.
      const investigator = await s.user([{ role: 'investigator', studyId: t.id, siteId: A.id }]);
      const url = `/api/subjects/${r.id}/signature`;
      await unchanged([r.id], async () => {
        await refuses(
          (body) => post(url, investigator, body),
          [
            [{}, ['body.password', 'body.meaning']],
            [{ password: PASSWORD, meaning: 'agree' }, ['body.meaning']],
            [{ password: '', meaning: 'approval' }, ['body.password']],
            [{ password: PASSWORD, meaning: 'approval', signedAt: W12 }, ['body']],
          ],
        );
        expectError(
          await post(url, investigator, { password: 'not the password', meaning: 'approval' }),
          401,
          'unauthenticated',
        );
      });
      ok(await post(url, investigator, { password: PASSWORD, meaning: 'approval' }), 201);
      await unchanged([r.id], async () => {
        const error = expectError(
          await post(url, A.investigator, { password: PASSWORD, meaning: 'review' }),
          409,
          'conflict',
        );
        expect(error.message).toMatch(/already signed/);
      });
    });

    it('refuses to sign the casebook of a screen failure with 409', async () => {
      const failed = await screen(0, { ...eligibleNr(), hcvGenotype: '3' });
      await unchanged([failed], async () => {
        expectError(
          await post(`/api/subjects/${failed}/signature`, A.investigator, {
            password: PASSWORD,
            meaning: 'review',
          }),
          409,
          'conflict',
        );
      });
    });
  });

  describe('queries', () => {
    it('refuses malformed queries with 400, unknown forms with 400 or 404, writing nothing', async () => {
      const r = await recorded();
      await unchanged([r.id], async () => {
        await refuses(
          (body) => post(`/api/subjects/${r.id}/queries`, A.monitor, body),
          [
            [{ ...QUERY, form: 'visit:w12' }, ['body.form']],
            [{ ...QUERY, field: '1result' }, ['body.field']],
            [{ ...QUERY, field: 'HCVRNA.result.value' }, ['body.field']],
            [{ ...QUERY, text: '' }, ['body.text']],
            [{ form: QUERY.form, field: QUERY.field }, ['body.text']],
            [{ ...QUERY, status: 'closed' }, ['body']],
            // Checked by the service against the protocol's forms and fields.
            [{ ...QUERY, form: 'visit:W99' }, ['form']],
            [{ ...QUERY, form: 'disposition:XYZ' }, ['form']],
            [{ ...QUERY, field: 'ALT.result' }, ['field']],
            [{ ...QUERY, form: 'ae:1', field: 'relatedness.ASPIRIN' }, ['field']],
          ],
        );
        for (const form of ['visit:W4', 'ae:7', 'disposition:EXT'])
          expectError(
            await post(`/api/subjects/${r.id}/queries`, A.monitor, { ...QUERY, form, field: 'visitDate' }),
            404,
            'not_found',
          );
      });
    });

    it('refuses malformed query filters with 400 naming query.…', async () => {
      for (const [q, paths] of [
        ['?status=lost', ['query.status']],
        ['?subjectId=S001', ['query.subjectId']],
        ['?form=visit:W12', ['query']],
      ] as const)
        expect(
          issuePaths(expectError(await get(`/api/studies/${t.id}/queries${q}`, t.dm), 400, 'validation')),
          q,
        ).toEqual(paths);
    });

    it('takes each step only from the states that allow it (409 otherwise), each text required', async () => {
      const r = await recorded();
      const id = await openQuery(r.id);
      const step = (kind: 'answer' | 'close' | 'reopen', user: TestUser, body: unknown = { text: 'Noted' }) =>
        post(`/api/queries/${id}/${kind}`, user, body);
      const status = async () => ok<{ status: string }>(await get(`/api/queries/${id}`, A.monitor)).status;
      await unchanged([r.id], async () => {
        for (const [kind, user] of [
          ['answer', A.coordinator],
          ['close', A.monitor],
          ['reopen', A.monitor],
        ] as const)
          await refuses(
            (body) => step(kind, user, body),
            [
              [{ text: '' }, ['body.text']],
              [{}, ['body.text']],
              [{ text: 'Noted', status: 'closed' }, ['body']],
            ],
          );
        // Open: it cannot be re-opened.
        expectError(await step('reopen', A.monitor), 409, 'conflict');
      });
      ok(await step('answer', A.coordinator));
      expect(await status()).toBe('answered');
      await unchanged([r.id], async () => {
        expectError(await step('answer', A.investigator), 409, 'conflict');
      });
      ok(await step('close', A.monitor));
      expect(await status()).toBe('closed');
      await unchanged([r.id], async () => {
        for (const [kind, user, done] of [
          ['answer', A.coordinator, 'answered'],
          ['close', t.dm, 'closed'],
          ['reopen', A.monitor, 'reopened'],
        ] as const) {
          const error = expectError(await step(kind, user), 409, 'conflict');
          expect(error.message).toBe(`The query is closed: it cannot be ${done}`);
        }
      });
    });
  });

  describe('database lock', () => {
    const lock = (body?: unknown) => post(`/api/studies/${t.id}/lock`, t.dm, body);
    const unlock = (body?: unknown) => post(`/api/studies/${t.id}/unlock`, t.dm, body);
    const UNLOCK = { reason: 'Late laboratory corrections to enter' };

    it('refuses malformed lock and unlock requests with 400, and an unlock of an open study with 409', async () => {
      await unchanged([], async () => {
        await refuses(lock, [
          [{ reason: '' }, ['body.reason']],
          [{ reason: 'Final data', force: true }, ['body']],
        ]);
        await refuses(unlock, [
          [{}, ['body.reason']],
          [{ reason: 'oops' }, ['body.reason']],
          [undefined, ['body']],
          [{ ...UNLOCK, force: true }, ['body']],
        ]);
        expectError(await unlock(UNLOCK), 409, 'conflict');
      });
    });

    it('refuses every write with 423 while the study is locked, writing nothing; reads still answer', async () => {
      const r = await recorded();
      const fresh = await enrol();
      const answered = await openQuery(r.id);
      ok(await post(`/api/queries/${answered}/answer`, A.coordinator, { text: 'Checked' }));
      const open = await openQuery(r.id);
      expect(
        ok<{ status: string }>(await lock({ reason: 'Database lock for the week 12 analysis' })),
      ).toEqual({
        status: 'locked',
      });
      try {
        const calls: [TestUser, Call['method'], string, unknown][] = [
          [A.coordinator, 'POST', `/api/subjects/${r.id}/visits`, { visit: 'W4', date: day(-62) }],
          [
            A.coordinator,
            'PUT',
            `/api/subjects/${r.id}/visits/W12`,
            { date: day(-5), reasonForChange: REASON },
          ],
          [A.coordinator, 'POST', `/api/subjects/${r.id}/results`, { ...RESULT, visit: 'W4' }],
          [A.coordinator, 'PUT', `/api/results/${r.resultId}`, RESULT_CHANGE],
          [A.coordinator, 'POST', `/api/subjects/${r.id}/adverse-events`, AE],
          [
            A.coordinator,
            'PUT',
            `/api/adverse-events/${r.aeId}`,
            { ...AE, grade: 3, reasonForChange: REASON },
          ],
          [A.coordinator, 'POST', `/api/subjects/${fresh}/dispositions`, DISPOSITION],
          [
            A.coordinator,
            'PUT',
            `/api/subjects/${r.id}/dispositions/MAIN`,
            { status: 'discontinued', reason: 'other', date: W12, reasonForChange: REASON },
          ],
          [A.monitor, 'POST', `/api/subjects/${r.id}/sdv`, { form: 'visit:W12' }],
          [
            A.investigator,
            'POST',
            `/api/subjects/${r.id}/signature`,
            { password: PASSWORD, meaning: 'approval' },
          ],
          [A.monitor, 'POST', `/api/subjects/${r.id}/queries`, QUERY],
          [A.coordinator, 'POST', `/api/queries/${open}/answer`, { text: 'Checked' }],
          [A.monitor, 'POST', `/api/queries/${answered}/close`, { text: 'Fine' }],
          [A.monitor, 'POST', `/api/queries/${answered}/reopen`, { text: 'Which report?' }],
        ];
        await unchanged([r.id, fresh], async () => {
          for (const [user, method, url, body] of calls) {
            const error = expectError(await send(method, url, user, body), 423, 'study_locked');
            expect(error.message, `${method} ${url}`).toMatch(/locked/);
          }
          expectError(await lock(), 409, 'conflict');
          ok(await get(`/api/queries/${open}`, A.coordinator));
        });
      } finally {
        ok(await unlock(UNLOCK));
      }
      ok(await post(`/api/queries/${open}/answer`, A.coordinator, { text: 'Checked' }));
    });

    it('answers two locks, or two unlocks, at the same time with 200 and 409, auditing one', async () => {
      const before = await auditCount(s, t);
      const statuses = (responses: LightMyRequestResponse[]) => responses.map((r) => r.statusCode).sort();
      try {
        for (let i = 0; i < 3; i++) {
          expect(statuses(await Promise.all([lock(), lock()])), `lock #${i}`).toEqual([200, 409]);
          expect(statuses(await Promise.all([unlock(UNLOCK), unlock(UNLOCK)])), `unlock #${i}`).toEqual([
            200, 409,
          ]);
        }
      } finally {
        await unlock(UNLOCK);
      }
      expect(await auditCount(s, t)).toBe(before + 6);
    });
  });
});
