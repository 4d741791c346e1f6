import { createReadStream } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { DomainError, isDomainError } from '../../core/errors.js';
import {
  fileOf,
  SDTM_DOMAINS,
  SDTM_FILE_FORMATS,
  type SdtmDomain,
  type SdtmIssue,
} from '../../core/sdtm/index.js';
import type { SdtmFile, SdtmImportSummary } from '../../services/sdtm/sdtm-import.service.js';
import { json } from '../format.js';
import { EXIT, usageError, type CliIo } from '../io.js';
import { withCaller, type CredentialOptions } from '../session.js';

type ImportOptions = CredentialOptions & { protocol: string; sdtm: string; json?: boolean };

/**
 * The datasets of a folder: `dm.csv`, `suppdm.xpt`, `lb.json`, `ae.ndjson`… matched case-insensitively,
 * one file per domain in any of the formats.
 */
async function datasetFiles(io: CliIo, dir: string): Promise<Partial<Record<SdtmDomain, string>>> {
  let names: string[];
  try {
    names = await readdir(resolve(io.cwd, dir));
  } catch (e) {
    throw usageError(`Cannot read the SDTM folder ${dir}: ${(e as Error).message}`);
  }
  const files: Partial<Record<SdtmDomain, string>> = {};
  for (const domain of SDTM_DOMAINS) {
    const base = domain.toLowerCase();
    const matches = names.filter((n) =>
      SDTM_FILE_FORMATS.some((format) => n.toLowerCase() === `${base}.${format}`),
    );
    if (matches.length > 1)
      throw usageError(
        `The SDTM folder ${dir} has ${matches.join(' and ')}: keep one file for ${domain} (${fileOf(domain)}, .xpt, .json or .ndjson)`,
      );
    if (matches[0]) files[domain] = join(resolve(io.cwd, dir), matches[0]);
  }
  return files;
}

const refusedRows = (e: unknown): readonly SdtmIssue[] | undefined =>
  isDomainError(e) ? (e.details?.errors as SdtmIssue[] | undefined) : undefined;

function printSummary(io: CliIo, s: SdtmImportSummary): void {
  const c = s.counts;
  io.out(
    `Imported study ${s.study.code} (${s.study.id}) from SDTM: ${c.sites} site(s), ${c.subjects} subject(s) ` +
      `(${c.randomized} randomized, ${c.screenFailures} screen failure(s), ${c.eligibleNotRandomized} not randomized), ` +
      `${c.reassignments} extension election(s), ${c.visits} visit(s), ${c.results} result(s), ` +
      `${c.adverseEvents} adverse event(s), ${c.dispositions} disposition(s); ${c.queriesOpened} query(ies) opened\n`,
  );
  for (const n of s.notes) io.out(`  note: ${n}\n`);
}

export function importCommands(
  program: Command,
  io: CliIo,
  run: (work: () => Promise<number>) => void,
): void {
  program
    .command('import')
    .description(
      'Create a study from a protocol file and a completed trial’s SDTM datasets (admin, data manager): files ' +
        'named by domain in one folder, dm, suppdm, lb, ae, ds, and optionally sv, ex, suppae, suppds, each as ' +
        'CSV (.csv), SAS transport v5 (.xpt) or Dataset-JSON 1.1 (.json, .ndjson). Every row is checked first; ' +
        'with any refused row nothing is imported (exit 1) and each prints as "FILE:LINE: reason" on standard error.',
    )
    .requiredOption('--protocol <file>', 'the protocol file (YAML or JSON)')
    .requiredOption('--sdtm <dir>', 'the folder of SDTM datasets (.csv, .xpt, .json or .ndjson)')
    .option('--user <name>', 'sign in as (env TRIALDESK_USER; password from TRIALDESK_PASSWORD or a prompt)')
    .option('--json', 'print the summary as JSON')
    .action((opts: ImportOptions) =>
      run(async () => {
        // Read before signing in: a wrong path fails at once, without a password prompt.
        let protocolSource: string;
        try {
          protocolSource = await readFile(resolve(io.cwd, opts.protocol), 'utf8');
        } catch (e) {
          throw new DomainError(
            'validation',
            `Cannot read the protocol file ${opts.protocol}: ${(e as Error).message}`,
          );
        }
        const paths = await datasetFiles(io, opts.sdtm);
        const datasets: Partial<Record<SdtmDomain, SdtmFile>> = {};
        for (const [domain, path] of Object.entries(paths) as [SdtmDomain, string][])
          datasets[domain] = {
            fileName: basename(path),
            source: createReadStream(path, { highWaterMark: 64 * 1024 }),
          };
        try {
          const summary = await withCaller(io, opts, (rt, caller) =>
            rt.services.sdtmImport.importStudy(caller, {
              protocolSource,
              protocolFileName: opts.protocol,
              datasets,
            }),
          );
          if (opts.json) io.out(json(summary));
          else printSummary(io, summary);
          return EXIT.ok;
        } catch (e) {
          const rows = refusedRows(e);
          if (!rows || !isDomainError(e)) throw e;
          const count = Number(e.details?.errorCount ?? rows.length);
          io.err(`error: nothing was imported: ${count} row(s) of the SDTM datasets cannot be imported\n`);
          for (const r of rows) io.err(`${r.file}:${r.line}: ${r.reason}\n`);
          if (count > rows.length) io.err(`… and ${count - rows.length} more\n`);
          return EXIT.failed;
        } finally {
          for (const d of Object.values(datasets))
            (d.source as ReturnType<typeof createReadStream>).destroy();
        }
      }),
    );
}
