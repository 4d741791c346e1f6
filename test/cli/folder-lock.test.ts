import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe } from 'vitest';
import { BASE_ENV, it } from './harness.js';
import { trialdesk, waitForOutput, type Spawned } from './spawn.js';

const RUNNING = (out: string): boolean => out.includes('API reference:');
/** A first start on a fresh folder runs PGlite's initdb: a minute or more on a busy machine. */
const START_MS = 240_000;

/** Stops a server if it still runs, and waits for it to be gone. */
async function stop(p: Spawned): Promise<void> {
  p.kill('SIGKILL');
  await p.exited;
}

describe.concurrent('the PGlite folder lock of real processes', () => {
  it('a server killed with SIGKILL leaves no lock behind: the next one starts on the same folder', async ({
    dir,
    expect,
  }) => {
    const env = { ...BASE_ENV, TRIALDESK_DATA_DIR: join(dir, 'data'), PORT: '0' };
    const first = trialdesk(['serve'], env);
    try {
      await waitForOutput(first, RUNNING, START_MS);
    } finally {
      await stop(first);
    }
    expect(await first.exited).toBe('SIGKILL');
    // What the old pid-file lock left behind in a container, where every server is pid 1 (always
    // alive): a file that named a live process. The lock is no file now; such a leftover is ignored.
    await writeFile(`${env.TRIALDESK_DATA_DIR}.lock`, '1');
    const second = trialdesk(['serve'], env);
    try {
      await waitForOutput(second, RUNNING, START_MS);
      const url = /is running at (http:\/\/\S+)/.exec(second.stdout())?.[1] ?? '';
      const health = await fetch(`${url}/api/health`);
      expect(health.status).toBe(200);
    } finally {
      second.kill('SIGTERM');
    }
    expect(await second.exited).toBe(0);
  }, 600_000);

  it('of two servers started at once on one folder, exactly one runs; the other exits 3 naming it', async ({
    dir,
    expect,
  }) => {
    const data = join(dir, 'data');
    const env = { ...BASE_ENV, TRIALDESK_DATA_DIR: data, PORT: '0' };
    const both = [trialdesk(['serve'], env), trialdesk(['serve'], env)];
    try {
      // The loser exits at once; the winner runs until stopped.
      const loser = await Promise.race(both.map((p) => p.exited.then(() => p)));
      const winner = both.find((p) => p !== loser)!;
      expect(await loser.exited).toBe(3);
      expect(loser.stderr()).toBe(
        `error: The data folder ${data} is in use by another trialdesk process (pid ${winner.pid}). ` +
          'Stop it, use its HTTP API, or set DATABASE_URL to share a PostgreSQL server.\n',
      );
      await waitForOutput(winner, RUNNING, START_MS);
    } finally {
      await Promise.all(both.map(stop));
    }
  }, 600_000);
});
