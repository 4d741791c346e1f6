import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { hashAuditEntry } from '../../src/core/audit/chain.js';
import { KIT_NUMBER_LIMIT, newKitNumbers } from '../../src/core/supply/kits.js';
import type { Database } from '../../src/store/database.js';
import { engines } from '../support/engines.js';
import { PASSWORD, world, type World } from '../support/fixtures.js';
import { completeAndElect, eligibleNr, nrTrial, screenAndRandomize } from '../support/trial.js';

/** Findings of the independent review of randomization and supply, each pinned by a test. */
describe.each(engines())('blinding and supply safeguards on $name', (engine) => {
  let database: Database;
  let w: World;
  beforeAll(async () => {
    database = await engine.open();
    w = world(database);
  });
  afterAll(() => database.close());

  const armOf = async (t: Awaited<ReturnType<typeof nrTrial>>, subjectId: string) =>
    (await w.services.randomization.allocation(t.stat, subjectId)) as unknown as {
      arm: string;
      currentArm: string;
    };

  it('shows blinded users inventory figures that do not depend on the content of a kit used', async () => {
    // Two identical sites; one loses a placebo celgosivir kit, the other an active one.
    const t = await nrTrial(w, { sites: 2, kitsPerDrug: 6 });
    for (const [site, content] of [
      [t.siteIds[0]!, 'placebo'],
      [t.siteIds[1]!, 'active'],
    ] as const)
      await sql`update kits set status = 'damaged' where id = (select id from kits where study_id = ${t.studyId}
        and site_id = ${site} and drug_code = 'CELGOSIVIR' and content = ${content} and status = 'at_site' limit 1)`.execute(
        database.db,
      );
    const blinded = strip(await w.services.supply.inventory(t.supply, t.studyId));
    expect(blinded[0]).toEqual(blinded[1]);
    expect(blinded[0]).toMatchObject({ stock: { CELGOSIVIR: 5, PEGIFN: 6, RBV: 6 } });
    // The exact figures do differ: 4 active + 1 placebo left at one site, 3 + 2 at the other.
    const exact = strip(await w.services.supply.inventory(t.stat, t.studyId));
    expect(exact[0]).not.toEqual(exact[1]);
  });

  it('refuses a visit dispensing whatever the subject’s arm when any arm could not be served', async () => {
    const t = await nrTrial(w, { kitsPerDrug: 3 });
    const { subject } = await screenAndRandomize(w, t);
    // Take every remaining placebo kit away from the site: no control subject could be served at W4.
    await sql`update kits set status = 'damaged' where study_id = ${t.studyId} and content = 'placebo' and status = 'at_site'`.execute(
      database.db,
    );
    await expect(
      w.services.randomization.dispense(t.coordinators[0]!, subject.id, { visit: 'W4' }),
    ).rejects.toMatchObject({
      code: 'conflict',
      details: { drugs: ['CELGOSIVIR'] },
    });
  });

  it('dispenses extension visits only after the election, and unblinds to the treatment actually given', async () => {
    const t = await nrTrial(w, { kitsPerDrug: 30 });
    let double: string | undefined;
    for (let i = 0; i < 12 && !double; i++) {
      const { subject } = await screenAndRandomize(w, t);
      if ((await armOf(t, subject.id)).arm === 'DOUBLE') double = subject.id;
    }
    expect(double).toBeDefined();
    const id = double!;
    await expect(
      w.services.randomization.dispense(t.coordinators[0]!, id, { visit: 'W16' }),
    ).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/has not elected/),
    });
    await completeAndElect(w, t, id, 'SWITCH');
    const reason = 'Suspected serious adverse reaction';
    expect(
      (await w.services.randomization.unblind(t.investigators[0]!, id, { reason, password: PASSWORD })).arm,
    ).toBe('DOUBLE');
    await w.services.randomization.dispense(t.coordinators[0]!, id, { visit: 'W16' });
    expect(
      (await w.services.randomization.unblind(t.investigators[0]!, id, { reason, password: PASSWORD })).arm,
    ).toBe('TRIPLE');
  });

  it('shows a site monitor only the unblinding events of their sites', async () => {
    const t = await nrTrial(w, { sites: 2, kitsPerDrug: 6 });
    const { subject } = await screenAndRandomize(w, t, 1);
    await w.services.randomization.unblind(t.investigators[1]!, subject.id, {
      reason: 'Emergency at site two',
      password: PASSWORD,
    });
    const monitorOne = await w.user([{ role: 'monitor', studyId: t.studyId, siteId: t.siteIds[0]! }]);
    const monitorTwo = await w.user([{ role: 'monitor', studyId: t.studyId, siteId: t.siteIds[1]! }]);
    expect(await w.services.randomization.unblindings(monitorOne, t.studyId)).toEqual([]);
    expect(await w.services.randomization.unblindings(monitorTwo, t.studyId)).toHaveLength(1);
  });

  it('answers a second, concurrent receipt of a shipment with a conflict, not an error', async () => {
    const t = await nrTrial(w, { kitsPerDrug: 0 });
    await w.services.supply.createKits(t.supply, t.studyId, {
      drug: 'PEGIFN',
      count: 3,
      lot: 'L',
      expiresOn: '2099-01-01',
    });
    const { shipment } = await w.services.supply.ship(t.supply, t.studyId, {
      siteId: t.siteIds[0]!,
      kits: [{ drug: 'PEGIFN', count: 3 }],
    });
    const outcomes = await Promise.allSettled(
      [1, 2, 3].map(() =>
        w.services.supply.receive(t.coordinators[0]!, shipment.id, { damagedKitNumbers: [] }),
      ),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const o of outcomes.filter((x) => x.status === 'rejected'))
      expect(o.reason).toMatchObject({ code: 'conflict' });
  });

  it('freezes arms, masking, randomization and strata once subjects are randomized', async () => {
    const t = await nrTrial(w, { kitsPerDrug: 3 });
    const study = await w.services.studies.get(t.dm, t.studyId);
    const source = (change: (p: Record<string, unknown>) => void) => {
      const p = structuredClone(study.protocol) as unknown as Record<string, unknown>;
      change(p);
      return { source: stringify(p), fileName: 'amended.yaml', reason: 'Amendment 2' };
    };
    const blocks = source((p) => ((p.randomization as { blockSizes: number[] }).blockSizes = [3]));
    await screenAndRandomize(w, t);
    await expect(w.services.studies.amend(t.dm, t.studyId, blocks)).rejects.toMatchObject({
      code: 'conflict',
      details: { frozen: ['the randomization'] },
    });
    const title = source((p) => (p.title = 'A clearer title'));
    await expect(w.services.studies.amend(t.dm, t.studyId, title)).resolves.toMatchObject({
      currentVersion: 2,
    });
    expect(parse(title.source)).toBeDefined();
  });

  it('keeps the admin out of study audit trails, which hold clinical data', async () => {
    const t = await nrTrial(w, { kitsPerDrug: 0 });
    await w.services.subjects.screen(t.coordinators[0]!, t.studyId, {
      siteId: t.siteIds[0]!,
      answers: eligibleNr(),
    });
    const admin = await w.admin();
    await expect(w.services.audit.list(admin, { studyId: t.studyId, limit: 10 })).rejects.toMatchObject({
      code: 'forbidden',
    });
    await expect(w.services.audit.list(admin, { limit: 10 })).resolves.toBeDefined();
  });

  it('cannot recover an arm from a redacted entry’s hash by trying every arm', async () => {
    const t = await nrTrial(w, { kitsPerDrug: 6 });
    const { subject } = await screenAndRandomize(w, t);
    await completeAndElect(w, t, subject.id, 'SWITCH');
    const [entry] = await w.services.audit.list(t.dm, {
      studyId: t.studyId,
      action: 'randomization.reassign',
      limit: 1,
    });
    expect(entry?.newValue).toEqual({ redacted: 'masked: this entry reveals a blinded allocation' });
    const arms = ['TRIPLE', 'DOUBLE', 'CONTROL'];
    const guesses = arms.flatMap((from) =>
      arms.map((to) =>
        hashAuditEntry({
          ...entry!,
          oldValue: { arm: from },
          newValue: { phase: 'EXT', option: 'SWITCH', arm: to },
        }),
      ),
    );
    expect(guesses).not.toContain(entry?.hash);
    // The statistician sees the nonce that makes the guesses fail, and the chain verifies.
    const [full] = await w.services.audit.list(t.stat, {
      studyId: t.studyId,
      action: 'randomization.reassign',
      limit: 1,
    });
    expect(full?.newValue).toMatchObject({ nonce: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect((await w.services.audit.verify(t.dm, { studyId: t.studyId })).ok).toBe(true);
  });

  it('refuses a kit list that would exhaust the kit numbers instead of searching forever', () => {
    const taken = new Set(Array.from({ length: KIT_NUMBER_LIMIT - 10 }, (_, i) => String(i)));
    expect(() => newKitNumbers(11, taken)).toThrow(/at most 450000 kits/);
    expect(newKitNumbers(10, new Set())).toHaveLength(10);
  });

  it('replays a randomization even when the same requestId arrives for two subjects at once', async () => {
    const t = await nrTrial(w, { kitsPerDrug: 6 });
    const a = await w.services.subjects.screen(t.coordinators[0]!, t.studyId, {
      siteId: t.siteIds[0]!,
      answers: eligibleNr(),
    });
    const b = await w.services.subjects.screen(t.coordinators[0]!, t.studyId, {
      siteId: t.siteIds[0]!,
      answers: eligibleNr(),
    });
    const requestId = randomUUID();
    const outcomes = await Promise.allSettled(
      [a, b].map((s) =>
        w.services.randomization.randomize(t.coordinators[0]!, s.id, { requestId, levels: {} }),
      ),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect((outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason).toMatchObject({
      code: 'conflict',
      details: { field: 'requestId' },
    });
  });
});

/** Inventory without ids, to compare two sites' figures. */
const strip = (inv: readonly { stock: unknown; subjectsCovered: number; warnings: readonly string[] }[]) =>
  inv.map((i) => ({ stock: i.stock, subjectsCovered: i.subjectsCovered, warnings: i.warnings }));
