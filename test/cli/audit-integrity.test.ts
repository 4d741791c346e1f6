import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe } from 'vitest';
import type { VerifyReport } from '../../src/services/audit/audit.service.js';
import { PASSWORD } from '../support/fixtures.js';
import { eligibleNr } from '../support/trial.js';
import { cliTargets, it, type CliTarget } from './harness.js';
import { cliTrial } from './trial-setup.js';

/** Each test runs several commands, each a process opening the database: generous on a busy machine. */
const SLOW = 240_000;
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** A study with a screened subject (a clinical row), and a key pair in the test's folder. */
async function studyWithSubject(t: CliTarget) {
  // A depot kit list and two subjects: a chain long enough to cut 3 entries from.
  const trial = await cliTrial(t, { PEGIFN: 3 });
  await t.run(
    [
      'subject',
      'screen',
      '--study',
      trial.code,
      '--site',
      'WPG',
      '--answers',
      await t.writeFile('failure.json', JSON.stringify({ ...eligibleNr(), age: 70 })),
    ],
    { env: t.envAs(trial.coordinator, PASSWORD) },
  );
  const screened = await t.run(
    [
      'subject',
      'screen',
      '--study',
      trial.code,
      '--site',
      'WPG',
      '--answers',
      await t.writeFile('eligible.json', JSON.stringify(eligibleNr())),
    ],
    { env: t.envAs(trial.coordinator, PASSWORD) },
  );
  const subjectId = new RegExp(`\\((${UUID})\\)`).exec(screened.out)?.[1];
  if (!subjectId) throw new Error(`screening failed: ${screened.err}`);
  const key = join(t.dir, 'checkpoint.key');
  const keygen = await t.run(['audit', 'keygen', '--out', key]);
  if (keygen.code !== 0) throw new Error(`keygen failed: ${keygen.err}`);
  return { trial, subjectId, key, publicKey: `${key}.pub`, checkpoint: join(t.dir, 'checkpoint.json') };
}

// Every test verifies its own study's chain only (--study): on PostgreSQL other files share the database.
describe.concurrent.each(cliTargets())('audit integrity on $name', ({ setup }) => {
  it(
    'makes an owner-only private key, the public key beside it, and never overwrites a key',
    { timeout: SLOW },
    async ({ dir, expect }) => {
      const t = await setup(dir);
      const key = join(dir, 'signing.key');
      const r = await t.run(['audit', 'keygen', '--out', key]);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+-----END PUBLIC KEY-----\n/);
      expect(r.out).toContain(`Private key written to ${key} (mode 600), public key to ${key}.pub (key id `);
      expect((await stat(key)).mode & 0o777).toBe(0o600);
      expect((await stat(`${key}.pub`)).mode & 0o777).toBe(0o644);
      const again = await t.run(['audit', 'keygen', '--out', key]);
      expect(again.code).toBe(1);
      expect(again.err).toBe(
        `error: --out: ${key} exists already; choose another name (nothing was overwritten)\n`,
      );
    },
  );

  it(
    'signs a checkpoint that honest writes keep extending, and names a row changed in the table',
    { timeout: SLOW },
    async ({ dir, expect }) => {
      const t = await setup(dir);
      const s = await studyWithSubject(t);
      const cp = await t.run([
        'audit',
        'checkpoint',
        '--key',
        s.key,
        '--out',
        s.checkpoint,
        '--study',
        s.trial.code,
      ]);
      expect(cp.err).toBe('');
      expect(cp.code).toBe(0);
      expect(cp.out).toMatch(
        new RegExp(
          `^${s.trial.id} {2}#\\d+ {2}[0-9a-f]{64} {2}\\S+\\nCheckpoint of 1 chain\\(s\\) written to `,
        ),
      );

      // An honest write after the checkpoint: the chain extends it.
      await t.run(
        [
          'subject',
          'screen',
          '--study',
          s.trial.code,
          '--site',
          'WPG',
          '--answers',
          join(dir, 'eligible.json'),
        ],
        { env: t.envAs(s.trial.coordinator, PASSWORD) },
      );
      const args = [
        'audit',
        'verify',
        '--study',
        s.trial.code,
        '--checkpoint',
        s.checkpoint,
        '--public-key',
        s.publicKey,
      ];
      const ok = await t.run(args);
      expect(ok.err).toBe('');
      expect(ok.code).toBe(0);
      expect(ok.out).toMatch(
        /^ok {6}\S+: \d+ entries, \d+ rows\nok {6}checkpoint of \S+: 1 chain\(s\) extend it\n/,
      );

      // (a) A value changed in the table, not in the trail.
      await t.sql(`update subjects set consented_on = '2001-01-01' where id = $1`, [s.subjectId], {
        bypassTriggers: true,
      });
      const broken = await t.run(args);
      expect(broken.code).toBe(1);
      expect(broken.err).toMatch(
        new RegExp(
          `^ROW {5}subjects ${s.subjectId}: consented_on is "2001-01-01" in the row but "\\d{4}-\\d\\d-\\d\\d" in the audit trail \\(entry #\\d+\\)\\n$`,
        ),
      );
      expect(broken.out).toContain('Audit trail BROKEN: see above.\n');
    },
  );

  it(
    '(d) fails a checkpoint whose chain was cut back with its head moved, naming chain and entry',
    { timeout: SLOW },
    async ({ dir, expect }) => {
      const t = await setup(dir);
      const s = await studyWithSubject(t);
      const cp = await t.run([
        'audit',
        'checkpoint',
        '--key',
        s.key,
        '--out',
        s.checkpoint,
        '--study',
        s.trial.code,
        '--json',
      ]);
      const head = (JSON.parse(cp.out) as { chains: { seq: number }[] }).chains[0]!.seq;
      await t.sql(
        `with cut as (delete from audit_log where chain = $1 and seq > $2 returning id)
       update audit_chains c set last_seq = a.seq, last_hash = a.hash
       from audit_log a where c.chain = $1 and a.chain = $1 and a.seq = $2 and (select count(*) from cut) = 3`,
        [s.trial.id, head - 3],
        { bypassTriggers: true },
      );
      const r = await t.run([
        'audit',
        'verify',
        '--study',
        s.trial.code,
        '--checkpoint',
        s.checkpoint,
        '--public-key',
        s.publicKey,
        '--json',
      ]);
      expect(r.code).toBe(1);
      const report = JSON.parse(r.out) as VerifyReport;
      expect(report.chains[0]?.firstBroken).toBeUndefined();
      expect(report.checkpoint?.breaks).toEqual([
        expect.objectContaining({ kind: 'chain_shorter', chain: s.trial.id, seq: head, lastSeq: head - 3 }),
      ]);
      const text = await t.run([
        'audit',
        'verify',
        '--study',
        s.trial.code,
        '--checkpoint',
        s.checkpoint,
        '--public-key',
        s.publicKey,
      ]);
      expect(text.err).toContain(
        `BROKEN  chain ${s.trial.id}: the checkpoint records entry #${head} but the chain ends at #${head - 3}; entries were removed (checkpoint of `,
      );
    },
  );

  it(
    'refuses a checkpoint without its public key, a key others can read, and an altered file',
    { timeout: SLOW },
    async ({ dir, expect }) => {
      const t = await setup(dir);
      const s = await studyWithSubject(t);
      const lone = await t.run(['audit', 'verify', '--study', s.trial.code, '--checkpoint', s.checkpoint]);
      expect(lone.code).toBe(1);
      expect(lone.err).toBe('error: --checkpoint and --public-key go together: give both, or neither\n');

      const { chmod, readFile, writeFile } = await import('node:fs/promises');
      await chmod(s.key, 0o640);
      const loose = await t.run(['audit', 'checkpoint', '--key', s.key, '--out', s.checkpoint]);
      expect(loose.code).toBe(1);
      expect(loose.err).toBe(
        `error: --key: ${s.key} can be read by others (mode 640); make it owner-only: chmod 600 ${s.key}\n`,
      );
      await chmod(s.key, 0o600);

      await t.run(['audit', 'checkpoint', '--key', s.key, '--out', s.checkpoint, '--study', s.trial.code]);
      const doc = JSON.parse(await readFile(s.checkpoint, 'utf8')) as { chains: { seq: number }[] };
      doc.chains[0]!.seq -= 1;
      await writeFile(s.checkpoint, JSON.stringify(doc));
      const r = await t.run([
        'audit',
        'verify',
        '--study',
        s.trial.code,
        '--checkpoint',
        s.checkpoint,
        '--public-key',
        s.publicKey,
      ]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(
        /^BROKEN {2}checkpoint of \S+: the signature does not match the checkpoint’s content \(the file was altered\)\n$/,
      );
    },
  );
});
