import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { todayUtc } from '../../src/core/capture/dates.js';
import { engines } from '../support/engines.js';
import { eligibleNr } from '../support/trial.js';
import {
  enroll,
  expectError,
  openServer,
  openTrial,
  screenSubject,
  type HttpTrial,
  type SubjectBody,
  type TestServer,
  type TestUser,
} from './support.js';

interface Entry {
  id: string;
  screeningNumber: string;
  siteId: string;
  status: string;
  levels: Record<string, string>;
  consentedOn: string;
  randomizationNumber: number | null;
  day0: string | null;
  nextVisit: {
    code: string;
    label: string;
    phase: string;
    window: { nominal: string; earliest: string; latest: string };
    state: string;
  } | null;
  openQueries: number;
}

describe.each(engines())('the worklist over HTTP on $name', (engine) => {
  let s: TestServer;
  let t: HttpTrial;
  let randomizedA: SubjectBody;
  let randomizationNumber: number;
  let failedA: SubjectBody;
  let eligibleB: SubjectBody;

  const worklist = async (user: TestUser) => {
    const res = await s.call({ method: 'GET', url: `/api/studies/${t.id}/worklist`, token: user.token });
    return res;
  };
  const entries = async (user: TestUser): Promise<Entry[]> => {
    const res = await worklist(user);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<Entry[]>();
  };

  beforeAll(async () => {
    s = await openServer(engine);
    t = await openTrial(s, { sites: 2, kitsPerDrug: 3 });
    const enrolled = await enroll(s, t, 0);
    randomizedA = enrolled.subject;
    randomizationNumber = enrolled.allocation.randomizationNumber;
    failedA = await screenSubject(s, t, 0, { ...eligibleNr(), age: 80 });
    eligibleB = await screenSubject(s, t, 1);
  });
  afterAll(async () => {
    await s.close();
  });

  it('lists a site role’s own subjects only, the data manager’s every one', async () => {
    const atA = await entries(t.sites[0]!.coordinator);
    expect(atA.map((e) => e.id).sort()).toEqual([randomizedA.id, failedA.id].sort());
    const all = await entries(t.dm);
    expect(all.map((e) => e.id).sort()).toEqual([randomizedA.id, failedA.id, eligibleB.id].sort());
  });

  it('gives a randomized subject its number, day 0 and the randomization visit due today', async () => {
    const [entry] = (await entries(t.sites[0]!.coordinator)).filter((e) => e.id === randomizedA.id);
    const today = todayUtc();
    expect(entry).toMatchObject({
      screeningNumber: randomizedA.screeningNumber,
      status: 'randomized',
      levels: { PRIORRESP: 'NR' },
      randomizationNumber,
      day0: today,
      nextVisit: {
        code: 'D0',
        phase: 'MAIN',
        window: { nominal: today, earliest: today, latest: today },
        state: 'due',
      },
      openQueries: 0,
    });
  });

  it('has no next visit and no number for a screen failure or an eligible subject', async () => {
    const all = await entries(t.dm);
    for (const id of [failedA.id, eligibleB.id])
      expect(all.find((e) => e.id === id)).toMatchObject({
        randomizationNumber: null,
        day0: null,
        nextVisit: null,
      });
  });

  it('moves to the next visit once one is recorded, and counts queries until they are closed', async () => {
    const coordinator = t.sites[0]!.coordinator;
    const visit = await s.call({
      method: 'POST',
      url: `/api/subjects/${randomizedA.id}/visits`,
      token: coordinator.token,
      body: { visit: 'D0', date: todayUtc() },
    });
    expect(visit.statusCode, visit.body).toBe(201);
    const opened = await s.call({
      method: 'POST',
      url: `/api/subjects/${randomizedA.id}/queries`,
      token: t.sites[0]!.monitor.token,
      body: { form: 'visit:D0', field: 'visitDate', text: 'Please confirm the date in the notes' },
    });
    expect(opened.statusCode, opened.body).toBe(201);
    const entry = (await entries(coordinator)).find((e) => e.id === randomizedA.id);
    expect(entry?.nextVisit).toMatchObject({ code: 'W1', state: 'upcoming' });
    expect(entry?.openQueries).toBe(1);
    const { id: queryId } = opened.json<{ id: string }>();
    const closed = await s.call({
      method: 'POST',
      url: `/api/queries/${queryId}/close`,
      token: t.sites[0]!.monitor.token,
      body: { text: 'Confirmed against the source' },
    });
    expect(closed.statusCode, closed.body).toBe(200);
    expect((await entries(coordinator)).find((e) => e.id === randomizedA.id)?.openQueries).toBe(0);
  });

  it('never names the arm, not even to the unblinded statistician', async () => {
    for (const user of [t.sites[0]!.coordinator, t.dm, t.stat]) {
      const res = await worklist(user);
      expect(res.statusCode).toBe(200);
      for (const arm of ['TRIPLE', 'DOUBLE', 'CONTROL']) expect(res.body).not.toContain(arm);
      expect(res.body).not.toMatch(/"(arm|armCode|currentArm|stratum|slot)"\s*:/);
    }
  });

  it('refuses roles without subject.read with 403, and an unknown study with 404', async () => {
    for (const user of [t.dsm, t.lab, t.partner, t.admin])
      expectError(await worklist(user), 403, 'forbidden');
    const res = await s.call({
      method: 'GET',
      url: '/api/studies/00000000-0000-4000-8000-000000000000/worklist',
      token: t.dm.token,
    });
    expect([403, 404]).toContain(res.statusCode);
  });
});
