import { spawn } from 'node:child_process';
import { ROOT } from './harness.js';

export interface Spawned {
  readonly pid: number;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Resolves with the exit code (or the signal's name) when the process has exited. */
  readonly exited: Promise<number | string>;
  /** Calls `listener` after each chunk of output (standard output or error) and on exit. */
  onChange(listener: () => void): () => void;
  kill(signal: NodeJS.Signals): void;
}

/**
 * Runs the real command line, `node --import tsx src/cli/main.ts ARGS`, in the repository. The
 * environment is the test's, plus what node needs to run (PATH, HOME, TMPDIR).
 */
export function trialdesk(args: readonly string[], env: NodeJS.ProcessEnv = {}, input?: string): Spawned {
  const { PATH, HOME, TMPDIR } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: ROOT,
    env: { PATH, HOME, TMPDIR, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  const changed = (): void => listeners.forEach((l) => l());
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    changed();
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    changed();
  });
  const exited = new Promise<number | string>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1));
  });
  void exited.then(changed, changed);
  if (input !== undefined) child.stdin.end(input);
  return {
    pid: child.pid ?? -1,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    onChange: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    kill: (signal) => child.kill(signal),
  };
}

/**
 * Waits, on output events, until `predicate` holds for the process's standard output; fails if the
 * process exits first or the (generous) deadline passes.
 */
export function waitForOutput(p: Spawned, predicate: (out: string) => boolean, ms = 150_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let exited = false;
    void p.exited.then(() => (exited = true));
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`timed out waiting; output so far:\n${p.stdout()}\n${p.stderr()}`));
    }, ms);
    const check = (): void => {
      if (predicate(p.stdout())) {
        stop();
        resolve();
      } else if (exited) {
        stop();
        reject(new Error(`exited before the expected output:\n${p.stdout()}\n${p.stderr()}`));
      }
    };
    const off = p.onChange(check);
    const stop = (): void => {
      clearTimeout(timer);
      off();
    };
    // The exit flag is set by a handler registered before the check's: re-check once it has run.
    void p.exited.then(() => setImmediate(check));
    check();
  });
}
