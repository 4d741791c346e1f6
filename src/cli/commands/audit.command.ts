import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { resolveStudy, withCaller, type CredentialOptions } from '../session.js';

export function auditCommands(program: Command, io: CliIo, run: (work: () => Promise<number>) => void): void {
  program
    .command('audit')
    .description('The audit trail')
    .command('verify')
    .description('Recompute the audit hash chains; exits 1 naming the first broken entry')
    .option('--study <code-or-id>', 'only this study’s chain (default: every chain you may verify)')
    .option('--user <name>', 'sign in as (env TRIALDESK_USER)')
    .option('--json', 'print the report as JSON')
    .action((opts: CredentialOptions & { study?: string; json?: boolean }) =>
      run(async () => {
        const report = await withCaller(io, opts, async (rt, caller) =>
          rt.services.audit.verify(
            caller,
            opts.study ? { studyId: await resolveStudy(rt, caller, opts.study) } : {},
          ),
        );
        if (opts.json) io.out(`${JSON.stringify(report, null, 2)}\n`);
        else {
          for (const c of report.chains) {
            if (c.ok) io.out(`ok      ${c.chain}: ${c.entries} entries\n`);
            else
              io.err(
                `BROKEN  ${c.firstBroken?.message ?? c.chain}${c.firstBroken?.id ? ` (audit_log id ${c.firstBroken.id})` : ''}\n`,
              );
          }
          io.out(
            report.ok
              ? `Audit trail intact: ${report.chains.length} chain(s) verified.\n`
              : 'Audit trail BROKEN: see above.\n',
          );
        }
        return report.ok ? 0 : 1;
      }),
    );
}
