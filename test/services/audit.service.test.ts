import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AuditWriter } from '../../src/store/audit-writer.js';
import type { Database } from '../../src/store/database.js';
import { engines } from '../support/engines.js';
import { protocolWithUniqueCode, world, type World } from '../support/fixtures.js';

/** Runs statements with the append-only triggers off, as someone with direct database access could. */
async function tamper(database: Database, statement: string, params: unknown[]): Promise<void> {
  if (database.engine === 'postgres') {
    const client = new pg.Client({ connectionString: inject('pgUrl') });
    await client.connect();
    try {
      await client.query('set session_replication_role = replica');
      await client.query(statement, params);
    } finally {
      await client.end();
    }
  } else {
    await sql`set session_replication_role = replica`.execute(database.db);
    await sql
      .raw(statement.replace(/\$(\d)/g, (_, i: string) => `'${String(params[Number(i) - 1])}'`))
      .execute(database.db);
    await sql`set session_replication_role = origin`.execute(database.db);
  }
}

describe.each(engines())('audit service on $name', (engine) => {
  let database: Database;
  let w: World;
  beforeAll(async () => {
    database = await engine.open();
    w = world(database);
  });
  afterAll(() => database.close());

  async function studyWithSites() {
    const admin = await w.admin();
    const { source } = protocolWithUniqueCode('protocols/celgosivir-nr-phase2.yaml');
    const study = await w.services.studies.create(admin, { source, fileName: 'nr.yaml' });
    const dm = await w.user([{ role: 'data_manager', studyId: study.id }]);
    for (const code of ['A', 'B', 'C'])
      await w.services.studies.createSite(dm, study.id, { code, name: `Site ${code}` });
    return { admin, dm, study };
  }

  it('verifies an untouched study chain', async () => {
    const { dm, study } = await studyWithSites();
    const report = await w.services.audit.verify(dm, { studyId: study.id });
    expect(report).toEqual({
      ok: true,
      chains: [
        {
          chain: study.id,
          entries: 4,
          ok: true,
          rows: { ok: true, checked: 0, findings: [], more: 0 },
        },
      ],
    });
  });

  it('does not mistake entries appended during a verification for tampering', async () => {
    const { dm, study } = await studyWithSites();
    const writes = Array.from({ length: 30 }, (_, i) =>
      w.services.studies.createSite(dm, study.id, { code: `P${i}`, name: `P${i}` }),
    );
    const reports = await Promise.all(
      [1, 2, 3, 4, 5].map(() => w.services.audit.verify(dm, { studyId: study.id })),
    );
    await Promise.all(writes);
    expect(reports.every((r) => r.ok)).toBe(true);
    expect((await w.services.audit.verify(dm, { studyId: study.id })).chains[0]?.entries).toBe(34);
  });

  it('verifies the chains of the studies a data manager manages when no study is named', async () => {
    const a = await studyWithSites();
    const report = await w.services.audit.verify(a.dm, {});
    expect(report.chains.map((c) => c.chain)).toEqual([a.study.id]);
    const everything = await w.services.audit.verify(a.admin, {});
    expect(everything.chains.map((c) => c.chain)).toEqual(expect.arrayContaining(['global', a.study.id]));
  });

  it('names the first altered entry after a value is changed directly in the database', async () => {
    const { dm, study } = await studyWithSites();
    await tamper(
      database,
      `update audit_log set new_value = '{"code":"X","name":"forged"}' where chain = $1 and seq = 3`,
      [study.id],
    );
    const report = await w.services.audit.verify(dm, { studyId: study.id });
    expect(report.ok).toBe(false);
    expect(report.chains[0]?.firstBroken).toMatchObject({
      seq: 3,
      problem: { kind: 'hash_mismatch', seq: 3 },
    });
    expect(report.chains[0]?.firstBroken?.message).toMatch(/entry #3 was altered/);
  });

  it('reports a deleted entry as a gap at its place', async () => {
    const { dm, study } = await studyWithSites();
    await tamper(database, 'delete from audit_log where chain = $1 and seq = 2', [study.id]);
    const report = await w.services.audit.verify(dm, { studyId: study.id });
    expect(report.chains[0]?.firstBroken).toMatchObject({
      seq: 3,
      problem: { kind: 'sequence_gap', expectedSeq: 2 },
    });
  });

  it('reports removed trailing entries through the chain head', async () => {
    const { dm, study } = await studyWithSites();
    await tamper(database, 'delete from audit_log where chain = $1 and seq = 4', [study.id]);
    const report = await w.services.audit.verify(dm, { studyId: study.id });
    expect(report.chains[0]?.firstBroken?.problem).toEqual({ kind: 'head_mismatch', headSeq: 4, lastSeq: 3 });
  });

  it('filters the trail by action and pages on with afterSeq', async () => {
    const { dm, study } = await studyWithSites();
    const sites = await w.services.audit.list(dm, { studyId: study.id, action: 'site.create', limit: 2 });
    expect(sites.map((e) => e.seq)).toEqual([2, 3]);
    const next = await w.services.audit.list(dm, {
      studyId: study.id,
      action: 'site.create',
      afterSeq: 3,
      limit: 2,
    });
    expect(next.map((e) => (e.newValue as { code: string }).code)).toEqual(['C']);
  });

  it('refuses the trail of a study to a data manager of another study, and to a site coordinator', async () => {
    const a = await studyWithSites();
    const b = await studyWithSites();
    await expect(w.services.audit.list(b.dm, { studyId: a.study.id, limit: 10 })).rejects.toMatchObject({
      code: 'forbidden',
    });
    const sites = await w.services.studies.sites(a.dm, a.study.id);
    const coordinator = await w.user([
      { role: 'site_coordinator', studyId: a.study.id, siteId: sites[0]!.id },
    ]);
    await expect(
      w.services.audit.list(coordinator, { studyId: a.study.id, limit: 10 }),
    ).rejects.toMatchObject({ code: 'forbidden' });
    await expect(w.services.audit.verify(coordinator, { studyId: a.study.id })).rejects.toMatchObject({
      code: 'forbidden',
    });
  });

  it('redacts blind-sensitive entries for blinded readers but not for the unblinded statistician', async () => {
    const { dm, study } = await studyWithSites();
    const stat = await w.user([{ role: 'unblinded_statistician', studyId: study.id }]);
    // An allocation entry, as randomization will write it, through the writer the repositories use.
    await database.db.transaction().execute(async (trx) => {
      const writer = new AuditWriter(trx, { userId: null, name: 'system', role: 'system' });
      await writer.record({
        studyId: study.id,
        action: 'randomization.allocate',
        entityType: 'subject',
        entityId: 'S-001',
        newValue: { arm: 'TRIPLE', randomizationNumber: 1001 },
        blindSensitive: true,
      });
      await writer.flush();
    });
    const blinded = await w.services.audit.list(dm, {
      studyId: study.id,
      action: 'randomization.allocate',
      limit: 5,
    });
    expect(JSON.stringify(blinded)).not.toContain('TRIPLE');
    expect(blinded[0]?.newValue).toEqual({ redacted: 'masked: this entry reveals a blinded allocation' });
    const unblinded = await w.services.audit.list(stat, {
      studyId: study.id,
      action: 'randomization.allocate',
      limit: 5,
    });
    expect(unblinded[0]?.newValue).toEqual({
      arm: 'TRIPLE',
      randomizationNumber: 1001,
      nonce: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    expect((await w.services.audit.verify(dm, { studyId: study.id })).ok).toBe(true);
  });
});
