import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/store/database.js';
import { engines } from '../support/engines.js';
import { PASSWORD, world, type World } from '../support/fixtures.js';
import { completeAndElect, eligibleNr, nrTrial, screenAndRandomize } from '../support/trial.js';

const ARMS = ['TRIPLE', 'DOUBLE', 'CONTROL'];

describe.each(engines())('randomization on $name', (engine) => {
  let database: Database;
  let w: World;
  beforeAll(async () => {
    database = await engine.open();
    w = world(database);
  });
  afterAll(() => database.close());

  it('screens, randomizes and dispenses day-0 kits, showing the site no arm', async () => {
    const t = await nrTrial(w);
    const { subject, allocation } = await screenAndRandomize(w, t);
    expect(subject.screeningNumber).toBe('S1-S001');
    expect(allocation.randomizationNumber).toBe(1001);
    expect(allocation.kits.map((k) => k.drug).sort()).toEqual(
      expect.arrayContaining(['CELGOSIVIR', 'PEGIFN']),
    );
    const body = JSON.stringify(allocation);
    for (const arm of ARMS) expect(body).not.toContain(arm);
    expect(body).not.toMatch(/placebo|active|content/);
    const unblinded = (await w.services.randomization.allocation(t.stat, subject.id)) as unknown as {
      arm: string;
    };
    expect(ARMS).toContain(unblinded.arm);
  });

  it('returns the same allocation for a repeated request, and refuses a second randomization', async () => {
    const t = await nrTrial(w);
    const subject = await w.services.subjects.screen(t.coordinators[0]!, t.studyId, {
      siteId: t.siteIds[0]!,
      answers: eligibleNr(),
    });
    const requestId = randomUUID();
    const first = await w.services.randomization.randomize(t.coordinators[0]!, subject.id, {
      requestId,
      levels: {},
    });
    const again = await w.services.randomization.randomize(t.coordinators[0]!, subject.id, {
      requestId,
      levels: {},
    });
    expect(again).toMatchObject({ randomizationNumber: first.randomizationNumber, replayed: true });
    await expect(
      w.services.randomization.randomize(t.coordinators[0]!, subject.id, {
        requestId: randomUUID(),
        levels: {},
      }),
    ).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/already randomized \(number 1001\)/),
    });
  });

  it('refuses stratification levels that the protocol does not take from the caller', async () => {
    const t = await nrTrial(w);
    const subject = await w.services.subjects.screen(t.coordinators[0]!, t.studyId, {
      siteId: t.siteIds[0]!,
      answers: eligibleNr('NR'),
    });
    await expect(
      w.services.randomization.randomize(t.coordinators[0]!, subject.id, {
        requestId: randomUUID(),
        levels: { PRIORRESP: 'PR', COLOUR: 'RED' },
      }),
    ).rejects.toMatchObject({
      code: 'validation',
      details: {
        issues: [
          {
            path: 'levels.PRIORRESP',
            message: 'comes from the screening answer priorResponse, not from here',
          },
          { path: 'levels.COLOUR', message: 'is not a stratification factor of this protocol' },
        ],
      },
    });
  });

  it('replays exactly the randomization kits, even after later dispensings', async () => {
    const t = await nrTrial(w);
    const subject = await w.services.subjects.screen(t.coordinators[0]!, t.studyId, {
      siteId: t.siteIds[0]!,
      answers: eligibleNr(),
    });
    const requestId = randomUUID();
    const first = await w.services.randomization.randomize(t.coordinators[0]!, subject.id, {
      requestId,
      levels: {},
    });
    await w.services.randomization.dispense(t.coordinators[0]!, subject.id, { visit: 'W4' });
    const again = await w.services.randomization.randomize(t.coordinators[0]!, subject.id, {
      requestId,
      levels: {},
    });
    expect(again.kits.map((k) => k.kitNumber).sort()).toEqual(first.kits.map((k) => k.kitNumber).sort());
  });

  it('refuses to randomize a screen failure', async () => {
    const t = await nrTrial(w);
    const failed = await w.services.subjects.screen(t.coordinators[0]!, t.studyId, {
      siteId: t.siteIds[0]!,
      answers: { ...eligibleNr(), hcvGenotype: '3' },
    });
    expect(failed.status).toBe('screen_failed');
    await expect(
      w.services.randomization.randomize(t.coordinators[0]!, failed.id, {
        requestId: randomUUID(),
        levels: {},
      }),
    ).rejects.toMatchObject({
      code: 'conflict',
    });
  });

  it('refuses before allocating when the site could not dispense for every arm, and writes nothing', async () => {
    const t = await nrTrial(w, { kitsPerDrug: 0 });
    const subject = await w.services.subjects.screen(t.coordinators[0]!, t.studyId, {
      siteId: t.siteIds[0]!,
      answers: eligibleNr(),
    });
    await expect(
      w.services.randomization.randomize(t.coordinators[0]!, subject.id, {
        requestId: randomUUID(),
        levels: {},
      }),
    ).rejects.toMatchObject({
      code: 'conflict',
      details: { drugs: ['CELGOSIVIR', 'PEGIFN', 'RBV'] },
    });
    expect(await w.services.randomization.allocations(t.stat, t.studyId)).toEqual([]);
    expect((await w.services.subjects.get(t.coordinators[0]!, subject.id)).status).toBe('eligible');
  });

  it('never exceeds a cap and verifies against the seed, with 64 parallel requests', async () => {
    const t = await nrTrial(w, { kitsPerDrug: 70 });
    const subjects = [];
    for (let i = 0; i < 64; i++)
      subjects.push(
        await w.services.subjects.screen(t.coordinators[0]!, t.studyId, {
          siteId: t.siteIds[0]!,
          answers: eligibleNr(i % 3 ? 'NR' : 'PR'),
        }),
      );
    const outcomes = await Promise.allSettled(
      subjects.map((s) =>
        w.services.randomization.randomize(t.coordinators[0]!, s.id, { requestId: randomUUID(), levels: {} }),
      ),
    );
    const ok = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.filter((o) => o.status === 'rejected');
    expect(ok).toHaveLength(60); // 3 arms capped at 20
    expect(refused.map((o) => o.reason as { code: string })).toEqual(
      Array(4).fill(expect.objectContaining({ code: 'conflict' })),
    );
    const allocations = (await w.services.randomization.allocations(t.stat, t.studyId)) as unknown as {
      arm: string;
      randomizationNumber: number;
    }[];
    expect(allocations.map((a) => a.randomizationNumber)).toEqual(
      Array.from({ length: 60 }, (_, i) => 1001 + i),
    );
    for (const arm of ARMS) expect(allocations.filter((a) => a.arm === arm)).toHaveLength(20);
    expect(await w.services.randomization.verify(t.stat, t.studyId)).toMatchObject({
      ok: true,
      allocations: 60,
      mismatches: [],
    });
  });

  it('switches an extension subject to the triple arm without telling the site, and dispenses accordingly', async () => {
    const t = await nrTrial(w, { kitsPerDrug: 40 });
    const results = [];
    for (let i = 0; i < 6; i++) results.push(await screenAndRandomize(w, t));
    for (const { subject } of results) {
      const answer = await completeAndElect(w, t, subject.id, 'SWITCH');
      expect(answer).toEqual({ phase: 'EXT', option: 'SWITCH' });
      const kits = await w.services.randomization.dispense(t.coordinators[0]!, subject.id, { visit: 'W16' });
      expect(kits.map((k) => k.drug).sort()).toEqual(['CELGOSIVIR', 'PEGIFN', 'RBV']);
      const view = (await w.services.randomization.allocation(t.stat, subject.id)) as unknown as {
        currentArm: string;
      };
      expect(view.currentArm).toBe('TRIPLE');
    }
    await expect(
      w.services.randomization.electExtension(t.coordinators[0]!, results[0]!.subject.id, {
        option: 'CONTINUE',
      }),
    ).rejects.toMatchObject({
      code: 'conflict',
    });
  });

  it('unblinds one subject for their investigator with a reason and password, and tells the sponsor', async () => {
    const t = await nrTrial(w);
    const { subject } = await screenAndRandomize(w, t);
    await expect(
      w.services.randomization.unblind(t.coordinators[0]!, subject.id, {
        reason: 'serious adverse event',
        password: PASSWORD,
      }),
    ).rejects.toMatchObject({ code: 'forbidden' });
    await expect(
      w.services.randomization.unblind(t.investigators[0]!, subject.id, {
        reason: 'serious adverse event',
        password: 'wrong one',
      }),
    ).rejects.toMatchObject({ code: 'unauthenticated' });
    const result = await w.services.randomization.unblind(t.investigators[0]!, subject.id, {
      reason: 'Serious adverse event needing treatment',
      password: PASSWORD,
    });
    expect(ARMS).toContain(result.arm);
    const events = await w.services.randomization.unblindings(t.dm, t.studyId);
    expect(events).toEqual([
      expect.objectContaining({ subjectId: subject.id, reason: 'Serious adverse event needing treatment' }),
    ]);
    expect(JSON.stringify(events)).not.toMatch(/TRIPLE|DOUBLE|CONTROL/);
    const audit = await w.services.audit.list(t.dm, {
      studyId: t.studyId,
      action: 'subject.unblind',
      limit: 5,
    });
    expect(audit[0]?.newValue).toEqual({ redacted: 'masked: this entry reveals a blinded allocation' });
  });

  it('never dispenses an expired kit or another site’s kit', async () => {
    const t = await nrTrial(w, { sites: 2, kitsPerDrug: 3 });
    const { sql } = await import('kysely');
    // Every kit at site 1 expires today; site 2 still has good stock.
    await sql`update kits set expires_on = current_date where study_id = ${t.studyId} and site_id = ${t.siteIds[0]!}`.execute(
      database.db,
    );
    const subject = await w.services.subjects.screen(t.coordinators[0]!, t.studyId, {
      siteId: t.siteIds[0]!,
      answers: eligibleNr(),
    });
    await expect(
      w.services.randomization.randomize(t.coordinators[0]!, subject.id, {
        requestId: randomUUID(),
        levels: {},
      }),
    ).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/cannot dispense kits for every arm/),
    });
    // The unblinded see exact figures (site 2 has 3 celgosivir kits, 2 active and 1 placebo: one more
    // control subject at most); blinded readers see figures from per-drug totals only.
    const exact = await w.services.supply.inventory(t.stat, t.studyId);
    expect(exact.map((i) => i.subjectsCovered)).toEqual([0, 1]);
    expect(exact[0]?.warnings[0]).toMatch(/^Site S1 cannot randomize: resupply CELGOSIVIR, PEGIFN, RBV$/);
    expect((await w.services.supply.inventory(t.dm, t.studyId)).map((i) => i.subjectsCovered)).toEqual([
      0, 3,
    ]);
    const { allocation } = await screenAndRandomize(w, t, 1);
    const siteTwoKits = new Set(
      (await w.services.supply.kits(t.coordinators[1]!, t.studyId, {})).map((k) => k.kitNumber),
    );
    expect(allocation.kits.every((k) => siteTwoKits.has(k.kitNumber))).toBe(true);
  });

  it('keeps masked kit contents from the blinded supply manager and from the site', async () => {
    const t = await nrTrial(w, { kitsPerDrug: 5 });
    const asSupply = JSON.stringify(await w.services.supply.kits(t.supply, t.studyId, {}));
    const celgosivir = (await w.services.supply.kits(t.supply, t.studyId, { drug: 'CELGOSIVIR' }))[0];
    expect(celgosivir).not.toHaveProperty('content');
    expect((await w.services.supply.kits(t.supply, t.studyId, { drug: 'RBV' }))[0]).toHaveProperty(
      'content',
      'active',
    );
    expect(asSupply).not.toContain('placebo');
    const asStat = await w.services.supply.kits(t.stat, t.studyId, { drug: 'CELGOSIVIR' });
    expect(new Set(asStat.map((k) => k.content))).toEqual(new Set(['active', 'placebo']));
    const inventory = await w.services.supply.inventory(t.coordinators[0]!, t.studyId);
    expect(inventory).toEqual([expect.objectContaining({ stock: { CELGOSIVIR: 5, PEGIFN: 5, RBV: 5 } })]);
  });
});
