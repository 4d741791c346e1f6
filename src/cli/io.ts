import { DomainError, isDomainError } from '../core/errors.js';

/** Where a command reads and writes: the process in real use, buffers in tests. */
export interface CliIo {
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  out(text: string): void;
  err(text: string): void;
  /** Reads a secret: standard input when it is not a terminal, or a prompt with echo off. */
  readSecret(prompt: string): Promise<string>;
  /** Resolves when the command should stop (Ctrl-C, SIGTERM); used by `serve`. */
  untilStopped(): Promise<void>;
}

/** Exit codes: documented in docs/reference/cli.md. */
export const EXIT = { ok: 0, failed: 1, usage: 2, unavailable: 3 } as const;

/** Prints an error the way a person can act on it, and returns the exit code. */
export function reportError(io: CliIo, e: unknown): number {
  if (isDomainError(e)) {
    io.err(`error: ${e.message}\n`);
    const issues = (e.details?.issues ?? []) as { path: string; message: string }[];
    // Issues are listed unless the message already says them (protocol files, configuration).
    if (e.code === 'validation' && issues.length > 0 && !issues.every((i) => e.message.includes(i.message)))
      for (const i of issues) io.err(`  ${i.path || '(input)'}: ${i.message}\n`);
    return e.code === 'unavailable' ? EXIT.unavailable : EXIT.failed;
  }
  io.err(`error: ${(e as Error).message}\n`);
  return EXIT.failed;
}

export const usageError = (message: string): DomainError => new DomainError('validation', message);
