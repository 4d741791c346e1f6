import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshPgDatabase } from './support.js';

const MAIN = new URL('../dist/cli/main.js', import.meta.url).pathname;

/** Milliseconds from spawning `trialdesk serve` to its first 200 on /api/health. */
async function coldStart(env: Record<string, string>): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, [MAIN, 'serve'], {
    env: {
      ...process.env,
      PORT: '0',
      TRIALDESK_LOG_LEVEL: 'silent',
      TRIALDESK_ADMIN_PASSWORD: 'bench password 123',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  try {
    for (;;) {
      const url = /running at (http:\/\/\S+)/.exec(output)?.[1];
      if (url) {
        const res = await fetch(`${url}/api/health`).catch(() => null);
        if (res?.status === 200) return performance.now() - started;
      }
      if (child.exitCode !== null) throw new Error(`serve exited: ${output}`);
      if (performance.now() - started > 60_000) throw new Error(`no healthy answer in 60 s: ${output}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

export interface StartupResult {
  readonly engine: string;
  readonly firstStartMs: number;
  readonly restartMs: number;
}

/** First start (empty database: migrations, first admin, reference studies) and a restart. */
export async function benchStartup(): Promise<StartupResult[]> {
  const results: StartupResult[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'trialdesk-bench-'));
  try {
    const env = { TRIALDESK_DATA_DIR: join(dir, 'data') };
    results.push({ engine: 'pglite', firstStartMs: await coldStart(env), restartMs: await coldStart(env) });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const db = await freshPgDatabase('startup');
  if (db) {
    try {
      const env = { DATABASE_URL: db.url };
      results.push({
        engine: 'postgres',
        firstStartMs: await coldStart(env),
        restartMs: await coldStart(env),
      });
    } finally {
      await db.drop();
    }
  }
  return results;
}
