import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashAuditEntry } from '../../src/core/audit/chain.js';
import {
  generateCheckpointKeys,
  signCheckpoint,
  type SignedCheckpoint,
} from '../../src/core/audit/checkpoint.js';
import { addDays, todayUtc } from '../../src/core/capture/dates.js';
import type { RowReportFinding, VerifyReport } from '../../src/services/audit/audit.service.js';
import type { Caller } from '../../src/services/index.js';
import type { Database } from '../../src/store/database.js';
import type { AuditEntryRecord } from '../../src/store/repositories/audit.repository.js';
import { engines } from '../support/engines.js';
import { PASSWORD, world, type World } from '../support/fixtures.js';
import { eligibleNr, nrTrial, type Trial } from '../support/trial.js';

const ago = (days: number): string => addDays(todayUtc(), -days);
const ASSAY = 'COBAS TaqMan HCV v2';

/** Runs statements with the append-only triggers off, as someone with direct database access could. */
async function tamper(database: Database, statements: readonly string[]): Promise<void> {
  await database.db.connection().execute(async (conn) => {
    await sql`set session_replication_role = replica`.execute(conn);
    try {
      for (const s of statements) await sql.raw(s).execute(conn);
    } finally {
      await sql`set session_replication_role = origin`.execute(conn);
    }
  });
}

const lit = (v: unknown): string =>
  v === null || v === undefined
    ? 'null'
    : `'${(typeof v === 'string' ? v : JSON.stringify(v)).replace(/'/g, "''")}'`;

const findingsOf = (report: VerifyReport): RowReportFinding[] =>
  report.chains.flatMap((c) => c.rows?.findings ?? []);

/**
 * Integrity of the clinical data: every row against its latest audit entries, and signed checkpoints
 * of the chains, against the four attacks of issue 10 on a study with every kind of clinical row.
 */
describe.each(engines())('clinical data integrity on $name', (engine) => {
  let database: Database;
  let w: World;
  beforeAll(async () => {
    database = await engine.open();
    w = world(database);
  });
  afterAll(() => database.close());

  /**
   * A study with a row in every clinical table, written by every path: screening, randomization and
   * dispensing, shipments, visits, results (entered, changed, central-lab), an adverse event, a
   * disposition, a query thread, source-data verification cleared by a change, a signature
   * invalidated by a change and by a lab import.
   */
  async function busyStudy(): Promise<{ t: Trial; subjectId: string; resultId: string }> {
    const t = await nrTrial(w, { sites: 1, kitsPerDrug: 6 });
    const [crc, pi] = [t.coordinators[0]!, t.investigators[0]!];
    const monitor = await w.user([{ role: 'monitor', studyId: t.studyId, siteId: t.siteIds[0]! }]);
    const lab = await w.user([{ role: 'central_lab', studyId: t.studyId }]);
    const subject = await w.services.subjects.screen(crc, t.studyId, {
      siteId: t.siteIds[0]!,
      answers: eligibleNr(),
      consentedOn: ago(130),
    });
    await w.services.subjects.screen(crc, t.studyId, {
      siteId: t.siteIds[0]!,
      answers: { ...eligibleNr(), hcvGenotype: '3' },
      consentedOn: ago(120),
    });
    await w.services.randomization.randomize(crc, subject.id, { requestId: randomUUID(), levels: {} });
    await w.services.capture.recordVisit(crc, subject.id, { visit: 'D0', date: ago(100) });
    await w.services.capture.recordVisit(crc, subject.id, { visit: 'W12', date: ago(16) });
    const saved = await w.services.capture.recordResult(crc, subject.id, {
      visit: 'W12',
      collectedOn: ago(16),
      result: '2,400,000',
      assay: ASSAY,
    });
    await w.services.capture.recordAdverseEvent(crc, subject.id, {
      verbatimTerm: 'Queasy',
      grade: 1,
      serious: false,
      relatedness: { CELGOSIVIR: 'possible', PEGIFN: 'not_related', RBV: 'not_related' },
      onsetDate: ago(60),
      outcome: 'recovered',
      actionTaken: 'none',
    });
    await w.services.capture.recordDisposition(crc, subject.id, {
      phase: 'MAIN',
      status: 'completed',
      date: ago(15),
    });
    const q = await w.services.queries.open(monitor, subject.id, {
      form: 'visit:W12',
      field: 'visitDate',
      text: 'Please confirm the date',
    });
    await w.services.queries.answer(crc, q.id, { text: 'Confirmed from the source' });
    await w.services.queries.close(monitor, q.id, { text: 'Thanks' });
    await w.services.capture.verifySource(monitor, subject.id, { form: 'visit:W12', verified: true });
    await w.services.capture.sign(pi, subject.id, { password: PASSWORD, meaning: 'approval' });
    await w.services.capture.changeResult(crc, saved.record.id, {
      collectedOn: ago(16),
      result: '2,400,000',
      assay: 'COBAS AmpliPrep',
      reasonForChange: 'The lab named its assay',
    });
    await w.services.capture.sign(pi, subject.id, { password: PASSWORD, meaning: 'approval' });
    const csv = `subject,visit,date,result,unit,lloq\n${subject.screeningNumber},W8,${ago(40)},350000,IU/mL,\n`;
    const report = await w.services.labImports.importCsv(lab, t.studyId, Readable.from([csv]), {
      dryRun: false,
      assay: 'COBAS',
    });
    expect(report).toMatchObject({ inserted: 1, signaturesInvalidated: 1 });
    return { t, subjectId: subject.id, resultId: saved.record.id };
  }

  const verify = (
    caller: Caller,
    studyId: string,
    checkpoint?: { checkpoint: SignedCheckpoint; publicKeyPem: string },
  ) => w.services.audit.verify(caller, { studyId }, checkpoint ? { checkpoint } : {});

  async function checkpointOf(t: Trial) {
    const keys = generateCheckpointKeys();
    const heads = await w.services.audit.heads(t.dm, { studyId: t.studyId });
    return {
      checkpoint: signCheckpoint(heads, keys.privateKeyPem, new Date()),
      publicKeyPem: keys.publicKeyPem,
    };
  }

  it('passes a study whose rows were all written by the application, on every clinical table', async () => {
    const { t } = await busyStudy();
    const report = await verify(t.dm, t.studyId);
    expect(findingsOf(report)).toEqual([]);
    expect(report.ok).toBe(true);
    const counts = await sql<{ table: string; n: number }>`
      select t as "table", count(*)::int as n from (
        select distinct r->>'t' as t, r->>'k' as k from audit_log a, jsonb_array_elements(a.row_images) r
        where a.chain = ${t.studyId}) x group by t order by t`.execute(database.db);
    // Every clinical table has rows here, each described by the trail.
    expect(counts.rows.map((r) => r.table).sort()).toEqual(
      [
        'adverse_events',
        'allocations',
        'dispositions',
        'forms',
        'kits',
        'query_messages',
        'queries',
        'results',
        'shipments',
        'signatures',
        'subject_visits',
        'subjects',
      ].sort(),
    );
    const rows = counts.rows.reduce((n, r) => n + r.n, 0);
    expect(report.chains[0]?.rows?.checked).toBe(rows);
  });

  it('(a) names a result whose value was changed in the table but not in the trail', async () => {
    const { t, resultId } = await busyStudy();
    await tamper(database, [`update results set value = 24 where id = '${resultId}'`]);
    const report = await verify(t.dm, t.studyId);
    expect(report.ok).toBe(false);
    expect(report.chains[0]?.firstBroken).toBeUndefined(); // the chain itself is intact
    expect(findingsOf(report)).toEqual([
      expect.objectContaining({
        kind: 'value_differs',
        table: 'results',
        key: resultId,
        column: 'value',
        rowValue: 24,
        auditedValue: 2_400_000,
        message: expect.stringMatching(
          new RegExp(
            `^results ${resultId}: value is 24 in the row but 2400000 in the audit trail \\(entry #\\d+\\)$`,
          ),
        ),
      }),
    ]);
  });

  it('(b) names a kit whose content was flipped, without showing a blinded verifier the content', async () => {
    const { t, subjectId } = await busyStudy();
    const kit = await sql<{ id: string; content: string }>`
      select id, content from kits where subject_id = ${subjectId} and drug_code = 'CELGOSIVIR'`.execute(
      database.db,
    );
    const { id, content } = kit.rows[0]!;
    const flipped = content === 'active' ? 'placebo' : 'active';
    await tamper(database, [`update kits set content = '${flipped}' where id = '${id}'`]);
    const report = await verify(t.dm, t.studyId);
    expect(report.ok).toBe(false);
    const findings = findingsOf(report);
    expect(findings).toEqual([
      expect.objectContaining({
        kind: 'value_differs',
        table: 'kits',
        key: id,
        column: 'content',
        masked: true,
        rowValue: 'masked',
        auditedValue: 'masked',
      }),
    ]);
    expect(JSON.stringify(report)).not.toMatch(/"(active|placebo)"/);
  });

  it('names a row written outside the application and a row deleted', async () => {
    const { t, subjectId } = await busyStudy();
    const ae = await sql<{
      id: string;
    }>`select id from adverse_events where subject_id = ${subjectId}`.execute(database.db);
    const aeId = ae.rows[0]!.id;
    const forged = randomUUID();
    await tamper(database, [
      `delete from adverse_events where id = '${aeId}'`,
      `insert into subject_visits (id, study_id, subject_id, site_id, visit_code, visit_date)
         values ('${forged}', '${t.studyId}', '${subjectId}', '${t.siteIds[0]!}', 'W4', '${ago(72)}')`,
    ]);
    const findings = findingsOf(await verify(t.dm, t.studyId));
    expect(findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'row_missing', table: 'adverse_events', key: aeId }),
        expect.objectContaining({
          kind: 'not_audited',
          table: 'subject_visits',
          key: forged,
          message: `subject_visits ${forged}: the row has no audit entry (written outside the application)`,
        }),
      ]),
    );
    expect(findings).toHaveLength(2);
  });

  it('verifies against a checkpoint after honest writes, and refuses a checkpoint that was altered', async () => {
    const { t, subjectId } = await busyStudy();
    const cp = await checkpointOf(t);
    await w.services.capture.recordVisit(t.coordinators[0]!, subjectId, { visit: 'W4', date: ago(72) });
    const report = await verify(t.dm, t.studyId, cp);
    expect(report.ok).toBe(true);
    expect(report.checkpoint).toEqual({
      ok: true,
      createdAt: cp.checkpoint.createdAt,
      checked: [t.studyId],
      skipped: [],
      breaks: [],
    });
    const moved = {
      ...cp,
      checkpoint: { ...cp.checkpoint, chains: cp.checkpoint.chains.map((c) => ({ ...c, seq: c.seq - 1 })) },
    };
    expect((await verify(t.dm, t.studyId, moved)).checkpoint).toMatchObject({
      ok: false,
      signatureProblem: 'the signature does not match the checkpoint’s content (the file was altered)',
    });
    const otherKey = { ...cp, publicKeyPem: generateCheckpointKeys().publicKeyPem };
    expect((await verify(t.dm, t.studyId, otherKey)).checkpoint?.signatureProblem).toBe(
      'the checkpoint was signed with another key',
    );
  });

  it('(c) catches an entry rewritten with the rest of the chain recomputed, through a checkpoint taken before', async () => {
    const { t, resultId } = await busyStudy();
    const cp = await checkpointOf(t);
    const head = cp.checkpoint.chains[0]!;
    // The attacker changes the result and the entry that recorded it, then re-hashes the chain with
    // the project's own hash function and moves the head: chain and row check alike are satisfied.
    const entries = await w.store.read(async (r) => {
      const out = [];
      for await (const e of r.audit.entries(t.studyId, head.seq)) out.push(e);
      return out;
    });
    const target = entries.filter((e) => e.rows?.some((x) => x.t === 'results' && x.k === resultId)).at(-1)!;
    const statements = [`update results set value = 24 where id = '${resultId}'`];
    let prev = entries.find((e) => e.seq === target.seq - 1)!.hash;
    for (const e of entries.filter((x) => x.seq >= target.seq)) {
      const rows =
        e.seq === target.seq
          ? e.rows!.map((x) =>
              x.t === 'results' && x.k === resultId ? { ...x, v: { ...x.v, value: 24 } } : x,
            )
          : e.rows;
      const hash = hashAuditEntry({ ...e, rows, prevHash: prev });
      statements.push(
        `update audit_log set row_images = ${lit(rows)}::jsonb, prev_hash = '${prev}', hash = '${hash}' where id = ${e.id}`,
      );
      prev = hash;
    }
    statements.push(`update audit_chains set last_hash = '${prev}' where chain = '${t.studyId}'`);
    await tamper(database, statements);

    const unaided = await verify(t.dm, t.studyId);
    expect(unaided.ok).toBe(true); // undetectable from inside the database alone
    const report = await verify(t.dm, t.studyId, cp);
    expect(report.ok).toBe(false);
    expect(report.checkpoint?.breaks).toEqual([
      {
        kind: 'entry_differs',
        chain: t.studyId,
        seq: head.seq,
        message: `chain ${t.studyId}: entry #${head.seq} no longer has the hash the checkpoint recorded; an entry at or before #${head.seq} was rewritten`,
      },
    ]);
  });

  it('(d) catches the last 3 entries deleted with the chain head moved back, through a checkpoint', async () => {
    const { t } = await busyStudy();
    const cp = await checkpointOf(t);
    const head = cp.checkpoint.chains[0]!;
    const kept = await w.store.read(async (r) => {
      let last: AuditEntryRecord | undefined;
      for await (const e of r.audit.entries(t.studyId, head.seq - 3)) last = e;
      if (!last) throw new Error('the chain is empty');
      return last;
    });
    await tamper(database, [
      `delete from audit_log where chain = '${t.studyId}' and seq > ${head.seq - 3}`,
      `update audit_chains set last_seq = ${kept.seq}, last_hash = '${kept.hash}' where chain = '${t.studyId}'`,
    ]);
    const report = await verify(t.dm, t.studyId, cp);
    expect(report.ok).toBe(false);
    expect(report.chains[0]?.firstBroken).toBeUndefined(); // the shortened chain is self-consistent
    expect(report.checkpoint?.breaks).toEqual([
      {
        kind: 'chain_shorter',
        chain: t.studyId,
        seq: head.seq,
        lastSeq: head.seq - 3,
        message: `chain ${t.studyId}: the checkpoint records entry #${head.seq} but the chain ends at #${head.seq - 3}; entries were removed`,
      },
    ]);
  });

  it('refuses a checkpoint of the chains to a site coordinator', async () => {
    const t = await nrTrial(w, { sites: 1, kitsPerDrug: 0 });
    await expect(w.services.audit.heads(t.coordinators[0]!, { studyId: t.studyId })).rejects.toMatchObject({
      code: 'forbidden',
    });
  });
});
