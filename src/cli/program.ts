import { Command, CommanderError } from 'commander';
import { VERSION } from '../version.js';
import { auditCommands } from './commands/audit.command.js';
import { backupCommands } from './commands/backup.command.js';
import { analysisCommands } from './commands/analysis.command.js';
import { importCommands } from './commands/import.command.js';
import { labCommands } from './commands/lab.command.js';
import { migrateCommand } from './commands/migrate.command.js';
import { replayCommands } from './commands/replay.command.js';
import { randomizationCommands } from './commands/randomization.command.js';
import { serveCommand } from './commands/serve.command.js';
import { studyCommands } from './commands/study.command.js';
import { subjectCommands } from './commands/subject.command.js';
import { supplyCommands } from './commands/supply.command.js';
import { treatmentCommands } from './commands/treatment.command.js';
import { tokenCommands } from './commands/token.command.js';
import { userCommands } from './commands/user.command.js';
import { EXIT, reportError, type CliIo } from './io.js';

/** Runs the trialdesk command line with the given arguments (without `node` and the script). */
export async function runCli(args: readonly string[], io: CliIo): Promise<number> {
  let pending: Promise<number> | undefined;
  const run = (work: () => Promise<number>): void => {
    pending = work().catch((e: unknown) => reportError(io, e));
  };
  const program = new Command('trialdesk')
    .description('Run a randomized, multi-center clinical trial end to end')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError('(add --help for usage)');
  serveCommand(program, io, run);
  migrateCommand(program, io, run);
  backupCommands(program, io, run);
  studyCommands(program, io, run);
  userCommands(program, io, run);
  tokenCommands(program, io, run);
  auditCommands(program, io, run);
  subjectCommands(program, io, run);
  randomizationCommands(program, io, run);
  treatmentCommands(program, io, run);
  supplyCommands(program, io, run);
  labCommands(program, io, run);
  analysisCommands(program, io, run);
  importCommands(program, io, run);
  replayCommands(program, io, run);
  try {
    await program.parseAsync([...args], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError)
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0
        ? EXIT.ok
        : EXIT.usage;
    return reportError(io, e);
  }
  if (!pending) {
    // A command group without a sub-command: show its help.
    return EXIT.usage;
  }
  return pending;
}
