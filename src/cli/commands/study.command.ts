import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { DomainError } from '../../core/errors.js';
import { parseProtocol } from '../../core/protocol/index.js';
import type { CliIo } from '../io.js';
import { resolveStudy, withCaller, type CredentialOptions } from '../session.js';

async function readProtocolFile(io: CliIo, file: string): Promise<string> {
  try {
    return await readFile(resolve(io.cwd, file), 'utf8');
  } catch (e) {
    throw new DomainError('validation', `Cannot read the protocol file ${file}: ${(e as Error).message}`);
  }
}

export function studyCommands(program: Command, io: CliIo, run: (work: () => Promise<number>) => void): void {
  const study = program.command('study').description('Studies: create from a protocol file, list, amend');

  study
    .command('create')
    .description('Create a study from a protocol file (YAML or JSON)')
    .requiredOption('--protocol <file>', 'the protocol file')
    .option('--user <name>', 'sign in as (env TRIALDESK_USER; password from TRIALDESK_PASSWORD or a prompt)')
    .option('--json', 'print the study as JSON')
    .action((opts: CredentialOptions & { protocol: string; json?: boolean }) =>
      run(async () => {
        const source = await readProtocolFile(io, opts.protocol);
        const created = await withCaller(io, opts, (rt, caller) =>
          rt.services.studies.create(caller, { source, fileName: opts.protocol }),
        );
        io.out(
          opts.json
            ? `${JSON.stringify(created, null, 2)}\n`
            : `Created study ${created.code} (${created.id}), protocol version 1\n`,
        );
        return 0;
      }),
    );

  study
    .command('amend')
    .description('Amend a study: its protocol file becomes a new version; the old one is kept')
    .requiredOption('--study <code-or-id>', 'the study')
    .requiredOption('--protocol <file>', 'the amended protocol file')
    .requiredOption('--reason <text>', 'why the protocol is amended (recorded in the audit trail)')
    .option('--user <name>', 'sign in as (env TRIALDESK_USER)')
    .action((opts: CredentialOptions & { study: string; protocol: string; reason: string }) =>
      run(async () => {
        const source = await readProtocolFile(io, opts.protocol);
        const amended = await withCaller(io, opts, async (rt, caller) =>
          rt.services.studies.amend(caller, await resolveStudy(rt, caller, opts.study), {
            source,
            fileName: opts.protocol,
            reason: opts.reason,
          }),
        );
        io.out(`Amended study ${amended.code}: now at protocol version ${amended.currentVersion}\n`);
        return 0;
      }),
    );

  study
    .command('list')
    .description('List the studies you can see')
    .option('--user <name>', 'sign in as (env TRIALDESK_USER)')
    .option('--json', 'print JSON')
    .action((opts: CredentialOptions & { json?: boolean }) =>
      run(async () => {
        const studies = await withCaller(io, opts, (rt, caller) => rt.services.studies.list(caller));
        if (opts.json) io.out(`${JSON.stringify(studies, null, 2)}\n`);
        else if (studies.length === 0) io.out('No studies.\n');
        else for (const s of studies) io.out(`${s.code}\tv${s.currentVersion}\t${s.status}\t${s.id}\n`);
        return 0;
      }),
    );

  program
    .command('protocol')
    .description('Protocol files')
    .command('validate')
    .description('Check a protocol file without touching any database; exits 1 with every problem found')
    .argument('<file>', 'the protocol file')
    .action((file: string) =>
      run(async () => {
        const p = parseProtocol(await readProtocolFile(io, file), file);
        io.out(
          `${file}: valid protocol ${p.code} with ${p.arms.length} arms, ${p.visits.length} visits, ${p.endpoints.length} endpoints\n`,
        );
        return 0;
      }),
    );
}
