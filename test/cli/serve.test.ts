import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe } from 'vitest';
import { VERSION } from '../../src/version.js';
import { cliTargets, it, type CliResult, type CliTarget } from './harness.js';

interface RunningServer {
  readonly url: string;
  /** Everything printed so far. */
  output(): string;
  /** Stops the server (as Ctrl-C would) and waits for the command to return. */
  stop(): Promise<CliResult>;
}

/** Runs `trialdesk serve` in-process on a free port until the test stops it. */
async function serve(t: CliTarget, env: NodeJS.ProcessEnv = {}): Promise<RunningServer> {
  let output = '';
  let listening!: () => void;
  let requestStop!: () => void;
  const up = new Promise<void>((resolve) => (listening = resolve));
  const stopRequested = new Promise<void>((resolve) => (requestStop = resolve));
  const done = t.run(['serve'], {
    env: { ...t.env, PORT: '0', ...env },
    onOutput: (text) => (output += text),
    untilStopped: () => {
      listening();
      return stopRequested;
    },
  });
  const failedEarly = done.then((r) => {
    throw new Error(`serve exited ${r.code} before listening: ${r.err}`);
  });
  await Promise.race([up, failedEarly]);
  failedEarly.catch(() => undefined);
  const url = /is running at (http:\/\/\S+)/.exec(output)?.[1];
  if (!url) throw new Error(`no URL in: ${output}`);
  return {
    url,
    output: () => output,
    stop: () => {
      requestStop();
      return done;
    },
  };
}

// In-process on the shared PostgreSQL database when the run has one (the process test serves PGlite).
describe.concurrent.each(cliTargets().slice(-1))('trialdesk serve on $name', ({ name, setup }) => {
  it('answers /api/health, then stops cleanly (exit 0)', async ({ dir, expect }) => {
    const t = await setup(dir);
    const server = await serve(t);
    try {
      const health = await fetch(`${server.url}/api/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok', engine: name, version: VERSION });
      expect(server.output()).toContain(`trialdesk ${VERSION} is running at http://localhost:`);
      expect(server.output()).toContain(
        name === 'pglite'
          ? `  database: PGlite in ${join(dir, 'data')}\n`
          : '  database: PostgreSQL at postgres://',
      );
      expect(server.output()).toContain(`  API reference: ${server.url}/api/openapi.json\n`);
    } finally {
      const r = await server.stop();
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/stopping…\n$/);
    }
    if (name === 'pglite') expect(existsSync(join(dir, 'data.lock'))).toBe(false);
    await expect(fetch(`${server.url}/api/health`)).rejects.toThrow();
  });
});
