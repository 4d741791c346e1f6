import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../src/services/caller.js';
import type { Database } from '../../src/store/database.js';
import { AuditWriter } from '../../src/store/audit-writer.js';
import { Store } from '../../src/store/store.js';
import { engines, unique } from '../support/engines.js';
import { readProtocol } from '../support/fixtures.js';
import { parseProtocol } from '../../src/core/protocol/index.js';

const protocol = parseProtocol(readProtocol('protocols/celgosivir-nr-phase2.yaml'), 'nr.yaml');
const actor = { userId: null, name: 'tester', role: 'data_manager' };

describe.each(engines())('audit trail on $name', (engine) => {
  let database: Database;
  let store: Store;
  beforeAll(async () => {
    database = await engine.open();
    store = new Store(database);
  });
  afterAll(() => database.close());

  const newStudy = () =>
    store.write(actor, (r) =>
      r.studies.create({
        code: `s-${unique()}`,
        title: 'T',
        protocol,
        sourceSha256: 'x'.repeat(64),
        createdBy: null,
      }),
    );

  it('records who, what, when and the new value in the same transaction as the write', async () => {
    const before = Date.now();
    const study = await newStudy();
    const [entry] = await store.read((r) => r.audit.list({ chain: study.id, limit: 10 }));
    expect(entry).toMatchObject({
      seq: 1,
      studyId: study.id,
      actorName: 'tester',
      actorRole: 'data_manager',
      action: 'study.create',
      entityType: 'study',
      entityId: study.id,
      oldValue: null,
    });
    expect((entry?.newValue as { code: string }).code).toBe(study.code);
    expect(Date.parse(entry!.at)).toBeGreaterThanOrEqual(before - 1000);
  });

  it('keeps nothing, neither the write nor its audit entry, when the unit of work fails', async () => {
    const code = `s-${unique()}`;
    await expect(
      store.write(actor, async (r) => {
        await r.studies.create({ code, title: 'T', protocol, sourceSha256: 'x', createdBy: null });
        throw new Error('boom after the insert');
      }),
    ).rejects.toThrow('boom');
    expect(await store.read((r) => r.studies.getByCode(code))).toBeUndefined();
    const n = await sql<{
      n: number;
    }>`select count(*)::int as n from audit_log where new_value->>'code' = ${code}`.execute(database.db);
    expect(n.rows[0]?.n).toBe(0);
  });

  it('records the reason given for a write', async () => {
    const study = await newStudy();
    await store.write(
      actor,
      (r) => r.sites.create({ studyId: study.id, code: 'S1', name: 'Site one', country: 'CA' }),
      { reason: 'site initiation visit done' },
    );
    const entries = await store.read((r) =>
      r.audit.list({ chain: study.id, action: 'site.create', limit: 5 }),
    );
    expect(entries.map((e) => e.reason)).toEqual(['site initiation visit done']);
  });

  it('refuses UPDATE, DELETE and TRUNCATE of audit entries', async () => {
    const study = await newStudy();
    await expect(
      sql`update audit_log set reason = 'x' where chain = ${study.id}`.execute(database.db),
    ).rejects.toThrow(/append-only/);
    await expect(sql`delete from audit_log where chain = ${study.id}`.execute(database.db)).rejects.toThrow(
      /append-only/,
    );
    await expect(sql`truncate audit_log`.execute(database.db)).rejects.toThrow(/append-only|cannot truncate/);
    await expect(
      sql`update protocol_versions set reason = 'x' where study_id = ${study.id}`.execute(database.db),
    ).rejects.toThrow(/append-only/);
  });

  it('writes an entry unsealed in its transaction and seals it, the one change the trigger allows', async () => {
    const study = await newStudy();
    // An entry committed by a process that stopped before sealing: written by the writer, not sealed.
    await database.db.transaction().execute(async (trx) => {
      const writer = new AuditWriter(trx, actor);
      await writer.record({
        studyId: study.id,
        action: 'test.unsealed',
        entityType: 'test',
        entityId: 'x',
        newValue: { v: 1 },
      });
      await writer.flush();
    });
    const unsealed = await sql<{ seq: number | null; hash: string | null }>`
      select seq, hash from audit_log where chain = ${study.id} and action = 'test.unsealed'`.execute(
      database.db,
    );
    expect(unsealed.rows).toEqual([{ seq: null, hash: null }]);
    // Not even an unsealed entry can be changed otherwise.
    await expect(
      sql`update audit_log set reason = 'x' where chain = ${study.id} and hash is null`.execute(database.db),
    ).rejects.toThrow(/append-only/);
    await store.seal([study.id]);
    const entries = await store.read((r) => r.audit.list({ chain: study.id, limit: 10 }));
    expect(entries.map((e) => [e.seq, e.action])).toEqual([
      [1, 'study.create'],
      [2, 'test.unsealed'],
    ]);
    expect(entries[1]?.prevHash).toBe(entries[0]?.hash);
    // Once sealed, the seal is as fixed as the rest.
    await expect(
      sql`update audit_log set hash = ${'f'.repeat(64)} where chain = ${study.id} and seq = 2`.execute(
        database.db,
      ),
    ).rejects.toThrow(/append-only/);
    await store.seal([study.id]); // sealing again changes nothing
    const [head] = await store.read((r) => r.audit.chains([study.id]));
    expect(head).toMatchObject({ lastSeq: 2, lastHash: entries[1]?.hash });
  });

  it('keeps one gap-free chain under 64 concurrent writers', async () => {
    const study = await newStudy();
    await Promise.all(
      Array.from({ length: 64 }, (_, i) =>
        store.write(actor, (r) =>
          r.sites.create({ studyId: study.id, code: `C${i}`, name: `Site ${i}`, country: null }),
        ),
      ),
    );
    const entries = await store.read((r) => r.audit.list({ chain: study.id, limit: 1000 }));
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 65 }, (_, i) => i + 1));
    for (let i = 1; i < entries.length; i++) expect(entries[i]?.prevHash).toBe(entries[i - 1]?.hash);
    const [head] = await store.read((r) => r.audit.chains([study.id]));
    expect(head).toMatchObject({ lastSeq: 65, lastHash: entries.at(-1)?.hash });
  });

  it('writes accounts and roles to the global chain', async () => {
    const username = `u-${unique()}`;
    await store.write(SYSTEM_ACTOR, (r) =>
      r.users.create({
        username,
        displayName: 'U',
        email: null,
        passwordHash: 'scrypt$1$1$1$a$b',
        mustChangePassword: false,
      }),
    );
    const entries = await store.read((r) =>
      r.audit.list({ chain: 'global', action: 'user.create', limit: 1000 }),
    );
    const mine = entries.find((e) => (e.newValue as { username: string }).username === username);
    expect(mine).toBeDefined();
    expect(JSON.stringify(mine)).not.toContain('scrypt$'); // never the password hash
  });
});
