import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/store/database.js';
import { engines } from '../support/engines.js';
import { world, type World } from '../support/fixtures.js';
import { eligibleNr, nrTrial, screenAndRandomize, type Trial } from '../support/trial.js';

/** Screen failures are kept and counted; the enrollment summary never tells a blinded reader an arm. */
describe.each(engines())('enrollment summary on $name', (engine) => {
  let database: Database;
  let w: World;
  let t: Trial;
  beforeAll(async () => {
    database = await engine.open();
    w = world(database);
    t = await nrTrial(w, { sites: 2, kitsPerDrug: 6 });
    // Site 1: two NR and one PR randomized, one NR eligible, one screen failure; site 2: one PR randomized.
    await screenAndRandomize(w, t, 0, 'NR');
    await screenAndRandomize(w, t, 0, 'NR');
    await screenAndRandomize(w, t, 0, 'PR');
    await w.services.subjects.screen(t.coordinators[0]!, t.studyId, {
      siteId: t.siteIds[0]!,
      answers: eligibleNr('NR'),
    });
    await w.services.subjects.screen(t.coordinators[0]!, t.studyId, {
      siteId: t.siteIds[0]!,
      answers: { ...eligibleNr('NR'), age: 80 },
    });
    await screenAndRandomize(w, t, 1, 'PR');
  });
  afterAll(() => database.close());

  it('counts screened, screen failures, eligible and randomized, by site and by stratum', async () => {
    const e = await w.services.subjects.enrollment(t.dm, t.studyId);
    expect(e.total).toEqual({ screened: 6, screenFailed: 1, eligible: 1, randomized: 4 });
    expect(e.bySite).toEqual([
      { siteId: t.siteIds[0], siteCode: 'S1', screened: 5, screenFailed: 1, eligible: 1, randomized: 3 },
      { siteId: t.siteIds[1], siteCode: 'S2', screened: 1, screenFailed: 0, eligible: 0, randomized: 1 },
    ]);
    expect(e.byFactor).toEqual([
      {
        factor: 'PRIORRESP',
        level: 'NR',
        counts: { screened: 4, screenFailed: 1, eligible: 1, randomized: 2 },
      },
      {
        factor: 'PRIORRESP',
        level: 'PR',
        counts: { screened: 2, screenFailed: 0, eligible: 0, randomized: 2 },
      },
    ]);
    expect(e.byArm).toBeUndefined();
    expect(JSON.stringify(e)).not.toMatch(/TRIPLE|DOUBLE|CONTROL/);
  });

  it('limits a site coordinator to their site', async () => {
    const e = await w.services.subjects.enrollment(t.coordinators[1]!, t.studyId);
    expect(e.total).toEqual({ screened: 1, screenFailed: 0, eligible: 0, randomized: 1 });
    expect(e.bySite.map((s) => s.siteCode)).toEqual(['S2']);
  });

  it('gives the unblinded statistician the randomized subjects per arm', async () => {
    const e = await w.services.subjects.enrollment(t.stat, t.studyId);
    expect(e.byArm?.map((a) => a.arm)).toEqual(['TRIPLE', 'DOUBLE', 'CONTROL']);
    expect(e.byArm?.reduce((n, a) => n + a.randomized, 0)).toBe(4);
  });

  it('refuses roles without access to subjects', async () => {
    await expect(w.services.subjects.enrollment(t.supply, t.studyId)).rejects.toMatchObject({
      code: 'forbidden',
    });
  });
});
