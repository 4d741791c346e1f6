import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import { isDomainError } from '../../core/errors.js';
import { labImportOptionsSchema } from '../../services/capture/lab-import.schemas.js';
import type { LabImportReport } from '../../services/capture/lab-import.service.js';
import { json } from '../format.js';
import { parseInput } from '../input.js';
import { EXIT, usageError, type CliIo } from '../io.js';
import { studyRef, withCaller, type CredentialOptions } from '../session.js';

type ImportOptions = CredentialOptions & {
  study: string;
  file: string;
  dryRun?: boolean;
  assay?: string;
  json?: boolean;
};

/** Prints a report: the summary on standard output, each bad row and warning as `line N: …` on standard error. */
function printReport(io: CliIo, report: LabImportReport, file: string, asJson: boolean): void {
  const bad = `${report.errorCount} with errors`;
  if (asJson) io.out(json(report));
  else if (report.dryRun)
    io.out(
      `Dry run of ${file}: ${report.rows} row(s): ${report.toInsert} to import, ${report.unchanged} unchanged, ${bad}; nothing was written\n`,
    );
  else if (report.errorCount > 0)
    io.err(
      `error: nothing was imported from ${file}: ${report.errorCount} of ${report.rows} row(s) cannot be imported\n`,
    );
  else if (report.labImportId === null)
    io.out(
      `Nothing to import from ${file}: its ${report.unchanged} row(s) are recorded already; nothing was written\n`,
    );
  else
    io.out(
      `Imported ${file}: ${report.inserted} result(s), ${report.unchanged} unchanged (import ${report.labImportId}); ` +
        `${report.queriesOpened} query(ies) opened, ${report.sdvReset} verification(s) cleared, ` +
        `${report.signaturesInvalidated} signature(s) invalidated\n`,
    );
  for (const e of report.errors) io.err(`line ${e.line}: ${e.message}\n`);
  if (report.errorsTruncated) io.err(`… and ${report.errorsTruncated} more error(s)\n`);
  for (const w of report.warnings) io.err(`line ${w.line}: warning: ${w.message}\n`);
  if (report.warningsTruncated) io.err(`… and ${report.warningsTruncated} more warning(s)\n`);
}

const reportOf = (e: unknown): LabImportReport | undefined =>
  isDomainError(e) ? (e.details?.report as LabImportReport | undefined) : undefined;

export function labCommands(program: Command, io: CliIo, run: (work: () => Promise<number>) => void): void {
  const lab = program
    .command('lab')
    .description('Central-lab results: bulk import from CSV, and the imports made');

  lab
    .command('import')
    .description(
      'Import results from a CSV file (central lab, data manager). Header, in any order: subject (screening ' +
        'number), visit, date (YYYY-MM-DD), result (2400000, 2.4E6, <15, <LLOQ, TND), unit, lloq (may be ' +
        'empty); optional measure and assay. Every row is checked against the protocol and the subject; a ' +
        'dry run reports and writes nothing; with any bad row nothing is imported (exit 1); importing the ' +
        'same file again changes nothing. Bad rows print as "line N: reason" on standard error.',
    )
    .requiredOption('--study <code-or-id>', 'the study')
    .requiredOption('--file <path>', 'the CSV file')
    .option('--dry-run', 'check every row and report, writing nothing')
    .option('--assay <name>', 'the assay of rows whose assay column is empty or missing')
    .option('--user <name>', 'sign in as (env TRIALDESK_USER; password from TRIALDESK_PASSWORD or a prompt)')
    .option('--json', 'print the report as JSON')
    .action((opts: ImportOptions) =>
      run(async () => {
        const options = parseInput(
          labImportOptionsSchema,
          { dryRun: opts.dryRun === true, fileName: basename(opts.file), assay: opts.assay },
          { dryRun: '--dry-run', fileName: '--file', assay: '--assay' },
        );
        // Opened before signing in: a wrong path fails at once, without a password prompt.
        let file: FileHandle;
        try {
          file = await open(resolve(io.cwd, opts.file), 'r');
        } catch (e) {
          throw usageError(`Cannot read the CSV file ${opts.file}: ${(e as Error).message}`);
        }
        let report: LabImportReport;
        try {
          report = await withCaller(io, opts, async (rt, caller) => {
            const study = await studyRef(rt, caller, opts.study);
            const source = file.createReadStream({ autoClose: false, highWaterMark: 64 * 1024 });
            return rt.services.labImports.importCsv(caller, study.id, source, options);
          });
        } catch (e) {
          const refused = reportOf(e);
          if (!refused) throw e;
          report = refused;
        } finally {
          await file.close();
        }
        printReport(io, report, opts.file, opts.json === true);
        return report.errorCount > 0 ? EXIT.failed : EXIT.ok;
      }),
    );

  lab
    .command('list')
    .description('The study’s central-lab imports, newest first (central lab, data manager, monitor)')
    .requiredOption('--study <code-or-id>', 'the study')
    .option('--user <name>', 'sign in as (env TRIALDESK_USER)')
    .option('--json', 'print JSON')
    .action((opts: CredentialOptions & { study: string; json?: boolean }) =>
      run(async () => {
        const imports = await withCaller(io, opts, async (rt, caller) =>
          rt.services.labImports.list(caller, (await studyRef(rt, caller, opts.study)).id),
        );
        if (opts.json) io.out(json(imports));
        else if (imports.length === 0) io.out('No imports.\n');
        else
          for (const i of imports)
            io.out(
              [
                i.importedAt.toISOString(),
                i.fileName ?? '(no name)',
                `${i.rows} row(s)`,
                `${i.inserted} imported`,
                `${i.unchanged} unchanged`,
                `by ${i.importedByName ?? i.importedBy ?? 'unknown'}`,
                i.id,
              ].join('\t') + '\n',
            );
        return EXIT.ok;
      }),
    );
}
