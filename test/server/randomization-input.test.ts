import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../support/engines.js';
import { PASSWORD } from '../support/fixtures.js';
import { eligibleNr } from '../support/trial.js';
import {
  enroll,
  expectError,
  expectUnchanged,
  issuePaths,
  listOf,
  openServer,
  openTrial,
  screenSubject,
  type AllocationBody,
  type Call,
  type HttpTrial,
  type SubjectBody,
  type TestServer,
  type TestUser,
  type TrialSite,
} from './support.js';

/*
 * Field paths: the schema at the edge names where in the request a field is (`body.requestId`,
 * `query.count`); checks the services make against the protocol or the database name the field of the
 * service's input (`answers.age`, `option`, `visit`), as the user and grant endpoints already do.
 */

const SHORT_REASON = 'because';
const REASON = 'Serious adverse event: the treating physician must know';

describe.each(engines())('subject and randomization input over HTTP on $name', (engine) => {
  let s: TestServer;
  let t: HttpTrial;
  let A: TrialSite;
  /** A data manager for every study: the one role that can ask about a study that does not exist. */
  let sponsorDm: TestUser;

  const call = (c: Call) => s.call(c);
  const post = (url: string, user: TestUser, body?: unknown) =>
    call({ method: 'POST', url, token: user.token, ...(body === undefined ? {} : { body }) });
  const get = (url: string, user: TestUser) => call({ method: 'GET', url, token: user.token });
  const list = <T>(url: string, user: TestUser): Promise<T[]> => listOf<T>(s, url, user);
  const unchanged = (refuse: () => Promise<void>) => expectUnchanged(s, t, refuse);

  beforeAll(async () => {
    s = await openServer(engine);
    t = await openTrial(s, { kitsPerDrug: 24 });
    [A] = t.sites as [TrialSite];
    sponsorDm = await s.user([{ role: 'data_manager' }]);
  });
  afterAll(async () => {
    await s.close();
  });

  describe('ids and unknown records', () => {
    it('refuses malformed ids with 400 naming params.studyId, params.subjectId, params.shipmentId', async () => {
      for (const [url, path] of [
        ['/api/studies/nope/subjects', 'params.studyId'],
        ['/api/studies/42/allocations', 'params.studyId'],
        ['/api/studies/x/kits', 'params.studyId'],
        ['/api/studies/x/inventory', 'params.studyId'],
        ['/api/subjects/nope', 'params.subjectId'],
        ['/api/subjects/nope/allocation', 'params.subjectId'],
      ] as const)
        expect(issuePaths(expectError(await get(url, t.dm), 400, 'validation')), url).toEqual([path]);
      for (const [url, path] of [
        ['/api/subjects/nope/randomize', 'params.subjectId'],
        ['/api/shipments/nope/receive', 'params.shipmentId'],
      ] as const)
        expect(issuePaths(expectError(await post(url, A.coordinator, {}), 400, 'validation'))).toContain(
          path,
        );
    });

    it('answers 404 for a subject or shipment that does not exist', async () => {
      const id = randomUUID();
      await unchanged(async () => {
        for (const [user, c] of [
          [A.coordinator, { method: 'GET', url: `/api/subjects/${id}` }],
          [A.coordinator, { method: 'GET', url: `/api/subjects/${id}/allocation` }],
          [A.coordinator, { method: 'POST', url: `/api/subjects/${id}/randomize`, body: { requestId: id } }],
          [
            A.coordinator,
            { method: 'POST', url: `/api/subjects/${id}/extension`, body: { option: 'SWITCH' } },
          ],
          [A.coordinator, { method: 'POST', url: `/api/subjects/${id}/dispense`, body: { visit: 'W4' } }],
          [
            A.investigator,
            {
              method: 'POST',
              url: `/api/subjects/${id}/unblind`,
              body: { reason: REASON, password: PASSWORD },
            },
          ],
          [A.coordinator, { method: 'POST', url: `/api/shipments/${id}/receive`, body: {} }],
        ] as const)
          expectError(await call({ ...c, token: user.token }), 404, 'not_found');
      });
    });

    it('answers 404 for a study that does not exist, to a sponsor-wide data manager', async () => {
      const id = randomUUID();
      for (const path of ['subjects', 'allocations', 'kits', 'inventory'])
        expectError(await get(`/api/studies/${id}/${path}`, sponsorDm), 404, 'not_found');
      // A study-level grant elsewhere says nothing about whether the study exists.
      expectError(await get(`/api/studies/${id}/subjects`, t.dm), 403, 'forbidden');
    });

    it('answers 404 for the shipments and unblinding events of a study that does not exist', async () => {
      const id = randomUUID();
      for (const path of ['shipments', 'unblinding-events'])
        expectError(await get(`/api/studies/${id}/${path}`, sponsorDm), 404, 'not_found');
    });
  });

  describe('screening', () => {
    const screen = (body: unknown) => post(`/api/studies/${t.id}/subjects`, A.coordinator, body);

    it('refuses malformed screenings with 400 naming each field, creating nothing', async () => {
      await unchanged(async () => {
        for (const [body, paths] of [
          [{ siteId: 'site-a', answers: eligibleNr() }, ['body.siteId']],
          [{ siteId: A.id, answers: 'all good' }, ['body.answers']],
          [{ siteId: A.id, answers: { ...eligibleNr(), age: [50] } }, ['body.answers.age']],
          [{ siteId: A.id }, ['body.answers']],
          [{ siteId: A.id, answers: eligibleNr(), arm: 'TRIPLE' }, ['body']],
          // Checked against the protocol's fields by the service.
          [{ siteId: A.id, answers: { ...eligibleNr(), age: 'fifty' } }, ['answers.age']],
          [
            { siteId: A.id, answers: { ...eligibleNr(), chronicInfection: 'yes' } },
            ['answers.chronicInfection'],
          ],
          [
            { siteId: A.id, answers: { ...eligibleNr(), favouriteColour: 'blue' } },
            ['answers.favouriteColour'],
          ],
          [{ siteId: A.id, answers: { ...eligibleNr(), hcvGenotype: '7' } }, ['answers.hcvGenotype']],
          [{ siteId: A.id, answers: { ...eligibleNr(), priorResponse: 'nr' } }, ['answers.priorResponse']],
        ] as const) {
          const error = expectError(await screen(body), 400, 'validation');
          expect(issuePaths(error), JSON.stringify(body)).toEqual(paths);
        }
        const many = expectError(
          await screen({ siteId: A.id, answers: { ...eligibleNr(), age: 'x', hcvGenotype: '9' } }),
          400,
          'validation',
        );
        expect(issuePaths(many).sort()).toEqual(['answers.age', 'answers.hcvGenotype']);
      });
    });

    it('keeps a screen failure, which then cannot be randomized (409)', async () => {
      const failed = await screenSubject(s, t, 0, { ...eligibleNr(), hcvGenotype: '3' });
      expect(failed.status).toBe('screen_failed');
      await unchanged(async () => {
        const res = await post(`/api/subjects/${failed.id}/randomize`, A.coordinator, {
          requestId: randomUUID(),
        });
        expectError(res, 409, 'conflict');
      });
    });
  });

  describe('randomization', () => {
    it('refuses malformed randomizations with 400 naming each field, allocating nothing', async () => {
      const subject = await screenSubject(s, t, 0);
      await unchanged(async () => {
        for (const [body, paths] of [
          [{}, ['body.requestId']],
          [{ requestId: 'abc' }, ['body.requestId']],
          [{ requestId: 42 }, ['body.requestId']],
          [{ requestId: randomUUID(), levels: 'NR' }, ['body.levels']],
          [{ requestId: randomUUID(), levels: { PRIORRESP: 1 } }, ['body.levels.PRIORRESP']],
          [{ requestId: randomUUID(), arm: 'TRIPLE' }, ['body']],
        ] as const) {
          const error = expectError(
            await post(`/api/subjects/${subject.id}/randomize`, A.coordinator, body),
            400,
            'validation',
          );
          expect(issuePaths(error), JSON.stringify(body)).toEqual(paths);
        }
        expectError(await post(`/api/subjects/${subject.id}/randomize`, A.coordinator), 400, 'validation');
      });
      const after = await get(`/api/subjects/${subject.id}`, A.coordinator);
      expect(after.json<SubjectBody>().status).toBe('eligible');
    });

    it('replays the same requestId with 200 and the same allocation, and refuses a new one with 409', async () => {
      const { subject, requestId, allocation } = await enroll(s, t, 0);
      await unchanged(async () => {
        const replay = await post(`/api/subjects/${subject.id}/randomize`, A.investigator, { requestId });
        expect(replay.statusCode, replay.body).toBe(200);
        // The same allocation and kits (listed in kit-number order on a replay).
        const byNumber = (k: { kitNumber: string }[]) =>
          [...k].sort((a, b) => a.kitNumber.localeCompare(b.kitNumber));
        const replayed = replay.json<AllocationBody & { replayed: boolean }>();
        expect({ ...replayed, kits: byNumber([...replayed.kits]) }).toEqual({
          ...allocation,
          kits: byNumber([...allocation.kits]),
          replayed: true,
        });

        const again = await post(`/api/subjects/${subject.id}/randomize`, A.coordinator, {
          requestId: randomUUID(),
        });
        const error = expectError(again, 409, 'conflict');
        expect(error.message).toContain(String(allocation.randomizationNumber));
      });
    });

    it('refuses a requestId already used for another subject with 409, leaving that subject eligible', async () => {
      const { requestId } = await enroll(s, t, 0);
      const other = await screenSubject(s, t, 0);
      await unchanged(async () => {
        const error = expectError(
          await post(`/api/subjects/${other.id}/randomize`, A.coordinator, { requestId }),
          409,
          'conflict',
        );
        expect(error.details).toMatchObject({ field: 'requestId' });
      });
      expect((await get(`/api/subjects/${other.id}`, A.coordinator)).json<SubjectBody>().status).toBe(
        'eligible',
      );
    });
  });

  describe('extension', () => {
    it('refuses a malformed or unknown option with 400, and a subject not randomized with 409', async () => {
      const { subject } = await enroll(s, t, 0);
      const eligible = await screenSubject(s, t, 0);
      const url = `/api/subjects/${subject.id}/extension`;
      await unchanged(async () => {
        for (const [body, paths] of [
          [{}, ['body.option']],
          [{ option: 'switch' }, ['body.option']],
          [{ option: 7 }, ['body.option']],
          [{ option: 'SWITCH', toArm: 'TRIPLE' }, ['body']],
          [{ option: 'STOP' }, ['option']],
        ] as const) {
          const error = expectError(await post(url, A.coordinator, body), 400, 'validation');
          expect(issuePaths(error), JSON.stringify(body)).toEqual(paths);
        }
        expectError(
          await post(`/api/subjects/${eligible.id}/extension`, A.coordinator, { option: 'CONTINUE' }),
          409,
          'conflict',
        );
      });
    });

    const today = (): string => new Date().toISOString().slice(0, 10);
    const endMain = async (id: string, disposition: Record<string, string>): Promise<void> => {
      const res = await post(`/api/subjects/${id}/dispositions`, A.coordinator, {
        phase: 'MAIN',
        date: today(),
        ...disposition,
      });
      expect(res.statusCode, res.body).toBe(201);
    };

    it('refuses an election before the main phase is completed, and after its discontinuation (409, naming the rule)', async () => {
      const { subject } = await enroll(s, t, 0);
      const url = `/api/subjects/${subject.id}/extension`;
      await unchanged(async () => {
        const error = expectError(await post(url, A.coordinator, { option: 'CONTINUE' }), 409, 'conflict');
        expect(error.message).toBe(
          `No extension election for ${subject.screeningNumber}: the extension is elected only after the 12-week randomized treatment is completed: record the MAIN disposition as completed first`,
        );
      });
      const dropout = (await enroll(s, t, 0)).subject;
      await endMain(dropout.id, { status: 'discontinued', reason: 'withdrawal_by_subject' });
      await unchanged(async () => {
        const error = expectError(
          await post(`/api/subjects/${dropout.id}/extension`, A.coordinator, { option: 'SWITCH' }),
          409,
          'conflict',
        );
        expect(error.message).toMatch(
          /the subject discontinued the 12-week randomized treatment: there is no extension for them$/,
        );
      });
    });

    it('refuses a second election with 409, whatever the option', async () => {
      const { subject } = await enroll(s, t, 0);
      await endMain(subject.id, { status: 'completed' });
      const url = `/api/subjects/${subject.id}/extension`;
      const first = await post(url, A.coordinator, { option: 'CONTINUE' });
      expect(first.statusCode, first.body).toBe(201);
      expect(first.json()).toEqual({ phase: 'EXT', option: 'CONTINUE' });
      await unchanged(async () => {
        expectError(await post(url, A.investigator, { option: 'SWITCH' }), 409, 'conflict');
        expectError(await post(url, A.coordinator, { option: 'CONTINUE' }), 409, 'conflict');
      });
    });
  });

  describe('dispensing', () => {
    let subject: SubjectBody;
    const dispense = (body: unknown, user: TestUser = A.coordinator) =>
      post(`/api/subjects/${subject.id}/dispense`, user, body);
    beforeAll(async () => {
      subject = (await enroll(s, t, 0)).subject;
    });

    it('refuses malformed, unknown and non-dispensing visits with 400, dispensing nothing', async () => {
      await unchanged(async () => {
        for (const [body, paths] of [
          [{}, ['body.visit']],
          [{ visit: 'w4' }, ['body.visit']],
          [{ visit: 4 }, ['body.visit']],
          [{ visit: 'W4', kits: 3 }, ['body']],
          [{ visit: 'W99' }, ['visit']],
          // Week 1 is a visit, but no drug is dispensed there.
          [{ visit: 'W1' }, ['visit']],
          [{ visit: 'SCR' }, ['visit']],
        ] as const) {
          const error = expectError(await dispense(body), 400, 'validation');
          expect(issuePaths(error), JSON.stringify(body)).toEqual(paths);
        }
      });
    });

    it('refuses the randomization visit with 409: its kits came with the randomization', async () => {
      await unchanged(async () => {
        expectError(await dispense({ visit: 'D0' }), 409, 'conflict');
      });
    });

    it('dispenses a visit once: the second time is 409 and takes no kit', async () => {
      const first = await dispense({ visit: 'W4' });
      expect(first.statusCode, first.body).toBe(201);
      expect(first.json<{ visit: string }[]>().every((k) => k.visit === 'W4')).toBe(true);
      await unchanged(async () => {
        expectError(await dispense({ visit: 'W4' }, A.investigator), 409, 'conflict');
      });
    });

    it('refuses to dispense to a subject who is not randomized with 409', async () => {
      const eligible = await screenSubject(s, t, 0);
      await unchanged(async () => {
        expectError(
          await post(`/api/subjects/${eligible.id}/dispense`, A.coordinator, { visit: 'W4' }),
          409,
          'conflict',
        );
      });
    });
  });

  describe('emergency unblinding', () => {
    let subject: SubjectBody;
    const events = () => list<{ subjectId: string }>(`/api/studies/${t.id}/unblinding-events`, t.dm);
    const unblind = (body: unknown, id = subject.id) =>
      post(`/api/subjects/${id}/unblind`, A.investigator, body);
    beforeAll(async () => {
      subject = (await enroll(s, t, 0)).subject;
    });

    it('refuses a short or missing reason and a missing password with 400, recording nothing', async () => {
      const before = await events();
      await unchanged(async () => {
        for (const [body, paths] of [
          [{ reason: SHORT_REASON, password: PASSWORD }, ['body.reason']],
          [{ reason: '          spaces   ', password: PASSWORD }, ['body.reason']],
          [{ password: PASSWORD }, ['body.reason']],
          [{ reason: REASON }, ['body.password']],
          [{ reason: REASON, password: '' }, ['body.password']],
          [{ reason: REASON, password: PASSWORD, arm: 'x' }, ['body']],
        ] as const) {
          const error = expectError(await unblind(body), 400, 'validation');
          expect(issuePaths(error), JSON.stringify(body)).toEqual(paths);
        }
      });
      expect(await events()).toEqual(before);
    });

    it('refuses a wrong password with 401, recording nothing in the study', async () => {
      const before = await events();
      await unchanged(async () => {
        expectError(
          await unblind({ reason: REASON, password: 'not the password at all' }),
          401,
          'unauthenticated',
        );
      });
      expect(await events()).toEqual(before);
    });

    it('refuses to unblind a subject who is not randomized with 409', async () => {
      const eligible = await screenSubject(s, t, 0);
      const before = await events();
      await unchanged(async () => {
        expectError(await unblind({ reason: REASON, password: PASSWORD }, eligible.id), 409, 'conflict');
      });
      expect(await events()).toEqual(before);
    });

    it('unblinds with a reason and the password, and the sponsor sees the event', async () => {
      const res = await unblind({ reason: `  ${REASON}  `, password: PASSWORD });
      expect(res.statusCode, res.body).toBe(200);
      const mine = (await events()).filter((e) => e.subjectId === subject.id);
      expect(mine).toEqual([expect.objectContaining({ subjectId: subject.id, reason: REASON })]);
    });
  });

  describe('allocation sequence', () => {
    it('refuses a malformed count with 400 naming query.count', async () => {
      for (const q of ['?count=abc', '?count=0', '?count=1001', '?count=2.5'])
        expect(
          issuePaths(
            expectError(
              await get(`/api/studies/${t.id}/randomization/sequence${q}`, t.stat),
              400,
              'validation',
            ),
          ),
          q,
        ).toEqual(['query.count']);
    });
  });
});
