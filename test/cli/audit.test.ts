import { describe } from 'vitest';
import type { VerifyReport } from '../../src/services/audit/audit.service.js';
import {
  addSites,
  cliTargets,
  createStudy,
  it,
  pgliteOnly,
  type CliTarget,
  type ListedStudy,
} from './harness.js';

/** A study whose audit chain has a few entries: its creation, then its sites. */
async function studyWithTrail(t: CliTarget): Promise<{ code: string; id: string; entries: number }> {
  if (t.engine === 'pglite') {
    // The reference studies, which the first command loads with TRIALDESK_LOAD_REFERENCE=true: the
    // NR study's chain holds its creation and its four demo sites.
    const r = await t.run(['study', 'list', '--json'], {
      env: { ...t.env, TRIALDESK_LOAD_REFERENCE: 'true' },
    });
    const study = (JSON.parse(r.out) as ListedStudy[]).find((s) => s.code === 'celgosivir-nr-phase2');
    if (!study) throw new Error(`the reference studies were not loaded: ${r.err}`);
    return { code: study.code, id: study.id, entries: 5 };
  }
  // On the shared database: a study of the test's own, and two sites.
  const study = await createStudy(t);
  await addSites(t, study.id, ['WPG', 'VAN']);
  return { ...study, entries: 3 };
}

// On PostgreSQL every test verifies its own study's chain only (--study): other test files share the
// database, and their chains are none of these tests' business.
describe.concurrent.each(cliTargets())('audit verify on $name', ({ setup }) => {
  it('reports an untouched chain intact (exit 0)', async ({ dir, expect }) => {
    const t = await setup(dir);
    const study = await studyWithTrail(t);

    const r = await t.run(['audit', 'verify', '--study', study.code]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      `ok      ${study.id}: ${study.entries} entries, 0 rows\nAudit trail intact: 1 chain(s) verified.\n`,
    );

    const json = await t.run(['audit', 'verify', '--study', study.id, '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toEqual({
      ok: true,
      chains: [
        {
          chain: study.id,
          entries: study.entries,
          ok: true,
          rows: { ok: true, checked: 0, findings: [], more: 0 },
        },
      ],
    });
  });

  it('names the chain and the entry that was altered (exit 1)', async ({ dir, expect }) => {
    const t = await setup(dir);
    const study = await studyWithTrail(t);
    const changed = await t.sql<{ id: string | number }>(
      `update audit_log set new_value = coalesce(new_value, '{}'::jsonb) || '{"name": "Forged"}'::jsonb
        where chain = $1 and seq = 2 returning id`,
      [study.id],
      { bypassTriggers: true },
    );
    expect(changed).toHaveLength(1);
    const id = Number(changed[0]?.id);

    const r = await t.run(['audit', 'verify', '--study', study.code]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `BROKEN  chain ${study.id}: entry #2 was altered after it was written (its content no longer matches its hash) (audit_log id ${id})\n`,
    );
    expect(r.out).toBe('Audit trail BROKEN: see above.\n');

    const json = await t.run(['audit', 'verify', '--study', study.code, '--json']);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.out) as VerifyReport;
    expect(report.ok).toBe(false);
    expect(report.chains[0]?.firstBroken).toMatchObject({
      seq: 2,
      id,
      problem: { kind: 'hash_mismatch', seq: 2 },
    });
  });

  it('reports a deleted entry as a gap in the sequence (exit 1)', async ({ dir, expect }) => {
    const t = await setup(dir);
    const study = await studyWithTrail(t);
    // The entry the verifier meets instead of #2 is #3.
    const [next] = await t.sql<{ id: string | number }>(
      `with deleted as (delete from audit_log where chain = $1 and seq = 2 returning id)
       select id from audit_log where chain = $1 and seq = 3 and exists (select 1 from deleted)`,
      [study.id],
      { bypassTriggers: true },
    );
    const third = Number(next?.id);

    const r = await t.run(['audit', 'verify', '--study', study.code]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      `BROKEN  chain ${study.id}: entry #2 is missing (found #3 next); entries were deleted or renumbered (audit_log id ${third})\n`,
    );
  });

  it('reports removed trailing entries against the chain head (exit 1)', async ({ dir, expect }) => {
    const t = await setup(dir);
    const study = await studyWithTrail(t);
    const last = study.entries;
    await t.sql('delete from audit_log where chain = $1 and seq = $2', [study.id, last], {
      bypassTriggers: true,
    });

    const r = await t.run(['audit', 'verify', '--study', study.code]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      `BROKEN  chain ${study.id}: the chain head records entry #${last} but the log ends at #${last - 1}`,
    );
  });

  it('audit_log is append-only: a plain UPDATE, DELETE or TRUNCATE fails and changes nothing', async ({
    dir,
    expect,
  }) => {
    const t = await setup(dir);
    const study = await studyWithTrail(t);
    // The chain is a study id this test printed (a uuid): safe to inline.
    const attempts: [op: string, sql: string][] = [
      ['UPDATE', `update audit_log set reason = 'forged' where chain = '${study.id}'`],
      ['DELETE', `delete from audit_log where chain = '${study.id}'`],
    ];
    // TRUNCATE only on a database of the test's own: it would take every test's trail with it.
    if (t.engine === 'pglite') attempts.push(['TRUNCATE', 'truncate audit_log cascade']);
    const errors = await t.trySql(attempts.map(([, sql]) => sql));
    attempts.forEach(([op], i) =>
      expect(errors[i]).toContain(`audit_log is append-only: ${op} is not allowed`),
    );

    const r = await t.run(['audit', 'verify', '--study', study.code]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`ok      ${study.id}: ${study.entries} entries, 0 rows`);
  });
});

// Verifying every chain is only done on a database of the test's own.
describe.concurrent.each(pgliteOnly())('audit verify of every chain on $name', ({ setup }) => {
  it('verifies the global chain and each study’s, and names the broken one', async ({ dir, expect }) => {
    const t = await setup(dir);
    const study = await studyWithTrail(t);

    const intact = await t.run(['audit', 'verify']);
    expect(intact.code).toBe(0);
    expect(intact.out).toMatch(new RegExp(`^ok {6}${study.id}: ${study.entries} entries, 0 rows$`, 'm'));
    expect(intact.out).toMatch(/^ok {6}global: \d+ entries$/m);
    // The global chain, and the two reference studies'.
    expect(intact.out).toContain('Audit trail intact: 3 chain(s) verified.\n');

    await t.sql(`update audit_log set actor_name = 'someone else' where chain = 'global' and seq = 1`, [], {
      bypassTriggers: true,
    });
    const broken = await t.run(['audit', 'verify']);
    expect(broken.code).toBe(1);
    expect(broken.err).toMatch(/^BROKEN {2}chain global: entry #1 was altered after it was written/);
    expect(broken.out).toMatch(new RegExp(`^ok {6}${study.id}: ${study.entries} entries, 0 rows$`, 'm'));
  });
});
