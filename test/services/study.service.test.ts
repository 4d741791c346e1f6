import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { Database } from '../../src/store/database.js';
import { engines } from '../support/engines.js';
import { protocolWithUniqueCode, world, type World } from '../support/fixtures.js';

const NR = 'protocols/celgosivir-nr-phase2.yaml';
const NAIVE = 'protocols/celgosivir-naive-phase2.yaml';
const OTHER = 'test/fixtures/protocols/other-shape.yaml';

describe.each(engines())('studies on $name', (engine) => {
  let database: Database;
  let w: World;
  beforeAll(async () => {
    database = await engine.open();
    w = world(database);
  });
  afterAll(() => database.close());

  it.each([NR, NAIVE, OTHER])('creates a study from %s, with its protocol as version 1', async (file) => {
    const admin = await w.admin();
    const { source, code } = protocolWithUniqueCode(file);
    const study = await w.services.studies.create(admin, { source, fileName: file });
    expect(study).toMatchObject({ code, currentVersion: 1, status: 'active' });
    const detail = await w.services.studies.get(admin, study.id);
    expect(detail.protocol.code).toBe(code);
    expect(detail.versions).toHaveLength(1);
    expect(detail.versions[0]?.sourceSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('creates nothing from an invalid protocol and says why', async () => {
    const admin = await w.admin();
    const { source, code } = protocolWithUniqueCode(NR);
    const broken = source.replace('cap: 20', 'cap: twenty');
    await expect(
      w.services.studies.create(admin, { source: broken, fileName: 'broken.yaml' }),
    ).rejects.toMatchObject({
      code: 'validation',
      details: { issues: [expect.objectContaining({ file: 'broken.yaml', path: 'arms[0].cap' })] },
    });
    expect((await w.services.studies.list(admin)).some((s) => s.code === code)).toBe(false);
  });

  it('refuses a second study with the same code', async () => {
    const admin = await w.admin();
    const { source } = protocolWithUniqueCode(NR);
    await w.services.studies.create(admin, { source, fileName: 'nr.yaml' });
    await expect(w.services.studies.create(admin, { source, fileName: 'nr.yaml' })).rejects.toMatchObject({
      code: 'conflict',
    });
  });

  it('amends to version 2 with a reason and keeps version 1 as it was', async () => {
    const admin = await w.admin();
    const { source } = protocolWithUniqueCode(NR);
    const study = await w.services.studies.create(admin, { source, fileName: 'nr.yaml' });
    const dm = await w.user([{ role: 'data_manager', studyId: study.id }]);
    const doc = parse(source) as { randomization: { blockSizes: number[] } };
    doc.randomization.blockSizes = [3, 6, 9];
    const amended = stringify(doc);
    const v2 = await w.services.studies.amend(dm, study.id, {
      source: amended,
      fileName: 'nr-v2.yaml',
      reason: 'Amendment 1: add block size 9',
    });
    expect(v2.currentVersion).toBe(2);
    const v1 = await w.services.studies.version(dm, study.id, 1);
    expect((v1.protocol as { randomization: { blockSizes: number[] } }).randomization.blockSizes).toEqual([
      3, 6,
    ]);
    expect((await w.services.studies.get(dm, study.id)).protocol.randomization.blockSizes).toEqual([3, 6, 9]);
    const [entry] = await w.services.audit.list(dm, { studyId: study.id, action: 'study.amend', limit: 5 });
    expect(entry).toMatchObject({
      reason: 'Amendment 1: add block size 9',
      oldValue: { version: 1 },
      newValue: expect.objectContaining({ version: 2 }),
    });
  });

  it('refuses an amendment that changes the study code, or changes nothing', async () => {
    const admin = await w.admin();
    const { source, code } = protocolWithUniqueCode(NR);
    const study = await w.services.studies.create(admin, { source, fileName: 'nr.yaml' });
    const dm = await w.user([{ role: 'data_manager', studyId: study.id }]);
    await expect(
      w.services.studies.amend(dm, study.id, {
        source: source.replace(`code: ${code}`, 'code: another-code'),
        fileName: 'x.yaml',
        reason: 'rename',
      }),
    ).rejects.toMatchObject({
      code: 'validation',
      details: { issues: [{ path: 'code', message: `must be "${code}", not "another-code"` }] },
    });
    await expect(
      w.services.studies.amend(dm, study.id, { source, fileName: 'same.yaml', reason: 'no change' }),
    ).rejects.toMatchObject({
      code: 'conflict',
    });
  });

  it('lets only data managers amend and add sites, and keeps callers inside their studies', async () => {
    const admin = await w.admin();
    const a = await w.services.studies.create(admin, {
      source: protocolWithUniqueCode(NR).source,
      fileName: 'a.yaml',
    });
    const b = await w.services.studies.create(admin, {
      source: protocolWithUniqueCode(NAIVE).source,
      fileName: 'b.yaml',
    });
    const dmA = await w.user([{ role: 'data_manager', studyId: a.id }]);
    const site = await w.services.studies.createSite(dmA, a.id, {
      code: 'WPG',
      name: 'Winnipeg',
      country: 'CA',
    });
    const coordinator = await w.user([{ role: 'site_coordinator', studyId: a.id, siteId: site.id }]);

    await expect(
      w.services.studies.createSite(coordinator, a.id, { code: 'X', name: 'X' }),
    ).rejects.toMatchObject({ code: 'forbidden' });
    await expect(w.services.studies.createSite(dmA, b.id, { code: 'X', name: 'X' })).rejects.toMatchObject({
      code: 'forbidden',
    });
    await expect(
      w.services.studies.createSite(dmA, a.id, { code: 'WPG', name: 'again' }),
    ).rejects.toMatchObject({ code: 'conflict' });
    await expect(
      w.services.studies.create(coordinator, {
        source: protocolWithUniqueCode(NR).source,
        fileName: 'c.yaml',
      }),
    ).rejects.toMatchObject({
      code: 'forbidden',
    });
    await expect(w.services.studies.get(coordinator, b.id)).rejects.toMatchObject({ code: 'forbidden' });
    expect((await w.services.studies.list(coordinator)).map((s) => s.id)).toEqual([a.id]);
    expect((await w.services.studies.sites(coordinator, a.id)).map((s) => s.code)).toEqual(['WPG']);
    // The admin manages accounts, not protocols.
    await expect(
      w.services.studies.amend(admin, a.id, { source: 'x', fileName: 'x', reason: 'because' }),
    ).rejects.toMatchObject({
      code: 'forbidden',
    });
  });
});
