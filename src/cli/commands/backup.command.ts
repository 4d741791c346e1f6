import { isAbsolute, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { checkOutput } from '../../store/backup/backup-file.js';
import { backupPGlite, restorePGlite } from '../../store/backup/pglite-backup.js';
import { backupPostgres, restorePostgres } from '../../store/backup/postgres-backup.js';
import type { CliIo } from '../io.js';

/**
 * `backup` and `restore` act on the store itself, as `migrate` does: they are for whoever runs the
 * database (file or server access is the authority), so nobody signs in.
 */
export function backupCommands(
  program: Command,
  io: CliIo,
  run: (work: () => Promise<number>) => void,
): void {
  // Progress on standard error: standard output is the outcome alone.
  const progress = (line: string): void => io.err(`  ${line}\n`);
  const path = (file: string): string => (isAbsolute(file) ? file : resolve(io.cwd, file));

  program
    .command('backup')
    .description(
      'Back up the whole database: a PGlite data folder with PGlite’s own dump (stop serve first), a ' +
        'PostgreSQL server (DATABASE_URL) with pg_dump --format=custom (online)',
    )
    .requiredOption('--out <file>', 'the backup file to write (written whole or not at all)')
    .option('--force', 'replace --out if it exists')
    .action((opts: { out: string; force?: boolean }) =>
      run(async () => {
        const config = loadConfig(io.env);
        const out = path(opts.out);
        await checkOutput(out, opts.force ?? false);
        const bytes = config.databaseUrl
          ? await backupPostgres(config.databaseUrl, out, { pgBin: config.pgBin }, progress)
          : await backupPGlite(config.dataDir, out, progress);
        io.out(
          `Backed up the ${config.databaseUrl ? 'PostgreSQL' : 'PGlite'} database to ${opts.out} (${bytes} bytes)\n`,
        );
        return 0;
      }),
    );

  program
    .command('restore')
    .description(
      'Restore a backup into an empty store of the same kind: a PGlite backup into TRIALDESK_DATA_DIR, a ' +
        'pg_dump archive into the DATABASE_URL database (in one transaction); then run `audit verify`',
    )
    .argument('<file>', 'the backup file (from trialdesk backup)')
    .option('--force', 'replace the target’s database if it is not empty')
    .action((file: string, opts: { force?: boolean }) =>
      run(async () => {
        const config = loadConfig(io.env);
        const force = opts.force ?? false;
        if (config.databaseUrl)
          await restorePostgres(path(file), config.databaseUrl, { force, pgBin: config.pgBin }, progress);
        else await restorePGlite(path(file), config.dataDir, { force }, progress);
        io.out(
          `Restored ${file}. Check it: trialdesk audit verify (as an administrator), then start the server.\n`,
        );
        return 0;
      }),
    );
}
