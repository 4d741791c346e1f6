import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { openRuntime } from '../../runtime.js';
import type { CliIo } from '../io.js';

export function migrateCommand(
  program: Command,
  io: CliIo,
  run: (work: () => Promise<number>) => void,
): void {
  program
    .command('migrate')
    .description('Apply pending database migrations (serve does this too) and report them')
    .action(() =>
      run(async () => {
        const runtime = await openRuntime(loadConfig(io.env), { poolSize: 2 });
        try {
          const applied = runtime.appliedMigrations;
          io.out(
            applied.length === 0
              ? `The database at ${runtime.location} is up to date.\n`
              : `Applied ${applied.length} migration(s) to ${runtime.location}: ${applied.join(', ')}\n`,
          );
          return 0;
        } finally {
          await runtime.close();
        }
      }),
    );
}
