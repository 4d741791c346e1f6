import { resolve } from 'node:path';
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { generateCheckpointKeys, keyIdOf, signCheckpoint } from '../../core/audit/checkpoint.js';
import type { VerifyReport } from '../../services/audit/audit.service.js';
import { json } from '../format.js';
import { usageError, type CliIo } from '../io.js';
import { resolveStudy, withCaller, type CredentialOptions } from '../session.js';
import { readCheckpoint, readPrivateKey, writeNew } from './audit-keys.js';

type VerifyOptions = CredentialOptions & {
  study?: string;
  json?: boolean;
  checkpoint?: string;
  publicKey?: string;
};

/** The human report of a verification: what holds on standard output, what does not on standard error. */
function printVerify(io: CliIo, report: VerifyReport): void {
  for (const c of report.chains) {
    const rows = c.rows ? `, ${c.rows.checked} rows` : '';
    if (c.ok) io.out(`ok      ${c.chain}: ${c.entries} entries${rows}\n`);
    else if (c.firstBroken)
      io.err(
        `BROKEN  ${c.firstBroken.message}${c.firstBroken.id ? ` (audit_log id ${c.firstBroken.id})` : ''}\n`,
      );
    for (const f of c.rows?.findings ?? []) io.err(`ROW     ${f.message}\n`);
    if (c.rows?.more) io.err(`ROW     … and ${c.rows.more} more row finding(s) in ${c.chain}\n`);
  }
  const cp = report.checkpoint;
  if (cp) {
    if (cp.signatureProblem) io.err(`BROKEN  checkpoint of ${cp.createdAt}: ${cp.signatureProblem}\n`);
    for (const b of cp.breaks) io.err(`BROKEN  ${b.message} (checkpoint of ${cp.createdAt})\n`);
    if (cp.ok) io.out(`ok      checkpoint of ${cp.createdAt}: ${cp.checked.length} chain(s) extend it\n`);
    if (cp.skipped.length > 0)
      io.out(`note    checkpoint chains outside this verification: ${cp.skipped.join(', ')}\n`);
  }
  io.out(
    report.ok
      ? `Audit trail intact: ${report.chains.length} chain(s) verified.\n`
      : 'Audit trail BROKEN: see above.\n',
  );
}

export function auditCommands(program: Command, io: CliIo, run: (work: () => Promise<number>) => void): void {
  const audit = program.command('audit').description('The audit trail');

  audit
    .command('verify')
    .description(
      'Recompute the audit hash chains and check every clinical row against its latest audit entries; ' +
        'with --checkpoint, check that the chains still extend a signed checkpoint. Exits 1 naming each ' +
        'broken entry, row and checkpointed chain',
    )
    .option('--study <code-or-id>', 'only this study’s chain (default: every chain you may verify)')
    .option('--checkpoint <file>', 'a checkpoint written by `trialdesk audit checkpoint`')
    .option('--public-key <file>', 'the public key of the checkpoint’s signer (with --checkpoint)')
    .option('--user <name>', 'sign in as (env TRIALDESK_USER)')
    .option('--json', 'print the report as JSON')
    .action((opts: VerifyOptions) =>
      run(async () => {
        if ((opts.checkpoint === undefined) !== (opts.publicKey === undefined))
          throw usageError('--checkpoint and --public-key go together: give both, or neither');
        // Read before signing in: a wrong path fails at once, without a password prompt.
        const checkpoint =
          opts.checkpoint && opts.publicKey
            ? await readCheckpoint(io, opts.checkpoint, opts.publicKey)
            : undefined;
        const report = await withCaller(io, opts, async (rt, caller) =>
          rt.services.audit.verify(
            caller,
            opts.study ? { studyId: await resolveStudy(rt, caller, opts.study) } : {},
            checkpoint ? { checkpoint } : {},
          ),
        );
        if (opts.json) io.out(json(report));
        else printVerify(io, report);
        return report.ok ? 0 : 1;
      }),
    );

  audit
    .command('keygen')
    .description(
      'Make an Ed25519 key pair for signing checkpoints: the private key in FILE (owner-only, mode 0600), ' +
        'the public key in FILE.pub and on standard output. Keep the private key off the database server',
    )
    .requiredOption('--out <file>', 'where to write the private key (refused if it exists)')
    .action((opts: { out: string }) =>
      run(async () => {
        const keys = generateCheckpointKeys();
        await writeNew(io, opts.out, keys.privateKeyPem, 0o600, '--out');
        await writeNew(io, `${opts.out}.pub`, keys.publicKeyPem, 0o644, '--out');
        io.out(keys.publicKeyPem);
        io.out(
          `Private key written to ${opts.out} (mode 600), public key to ${opts.out}.pub (key id ${keyIdOf(keys.publicKeyPem)})\n`,
        );
        return 0;
      }),
    );

  audit
    .command('checkpoint')
    .description(
      'Write a signed checkpoint: the head (sequence number, hash, time) of every chain you may verify, ' +
        'signed with your Ed25519 key. Give it to the sponsor or partner to keep; `audit verify ' +
        '--checkpoint` then proves the chains were not rewritten or cut back since (admin, data manager)',
    )
    .requiredOption('--key <file>', 'the private key (from `trialdesk audit keygen`)')
    .requiredOption('--out <file>', 'where to write the checkpoint (JSON)')
    .option('--study <code-or-id>', 'only this study’s chain')
    .option('--user <name>', 'sign in as (env TRIALDESK_USER)')
    .option('--json', 'print the checkpoint as JSON')
    .action((opts: CredentialOptions & { key: string; out: string; study?: string; json?: boolean }) =>
      run(async () => {
        const key = await readPrivateKey(io, opts.key);
        const heads = await withCaller(io, opts, async (rt, caller) =>
          rt.services.audit.heads(
            caller,
            opts.study ? { studyId: await resolveStudy(rt, caller, opts.study) } : {},
          ),
        );
        const checkpoint = signCheckpoint(heads, key, new Date());
        try {
          await writeFile(resolve(io.cwd, opts.out), json(checkpoint), 'utf8');
        } catch (e) {
          throw usageError(`--out: cannot write ${opts.out}: ${(e as Error).message}`);
        }
        if (opts.json) io.out(json(checkpoint));
        else {
          for (const h of checkpoint.chains) io.out(`${h.chain}  #${h.seq}  ${h.hash}  ${h.at}\n`);
          io.out(`Checkpoint of ${checkpoint.chains.length} chain(s) written to ${opts.out}\n`);
        }
        return 0;
      }),
    );
}
