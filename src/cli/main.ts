#!/usr/bin/env node
import { createInterface, type Interface } from 'node:readline';
import type { CliIo } from './io.js';
import { runCli } from './program.js';

// Piped standard input has one reader for the whole run: a reader per secret would lose the lines
// the first one buffered (e.g. a new user's password, then the signed-in user's).
let piped: { readonly reader: Interface; readonly lines: AsyncIterator<string> } | undefined;

async function readSecret(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) {
    // Piped: the next line of standard input ('' once it has ended).
    if (!piped) {
      const reader = createInterface({ input: process.stdin, crlfDelay: Infinity });
      piped = { reader, lines: reader[Symbol.asyncIterator]() };
    }
    const next = await piped.lines.next();
    return next.done ? '' : next.value;
  }
  return new Promise((resolve) => {
    process.stderr.write(prompt);
    const rl = createInterface({ input: process.stdin, output: undefined, terminal: true });
    rl.question('', (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
  });
}

const io: CliIo = {
  env: process.env,
  cwd: process.cwd(),
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  readSecret,
  untilStopped: () =>
    new Promise((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    }),
};

process.exitCode = await runCli(process.argv.slice(2), io);
// Release standard input, so an open pipe does not keep the process alive.
piped?.reader.close();
