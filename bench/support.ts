import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { buildServer } from '../src/server/app.js';
import type { Services } from '../src/services/index.js';

export const PG_ADMIN_URL = process.env.TRIALDESK_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh, empty PostgreSQL database for one benchmark; dropped by the returned function. */
export async function freshPgDatabase(
  label: string,
): Promise<{ url: string; drop: () => Promise<void> } | null> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
  } catch {
    return null;
  }
  const name = `trialdesk_bench_${label}_${Date.now()}`;
  await client.query(`create database ${name}`);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

export const fmt = (n: number, digits = 1): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/**
 * `clients` closed-loop clients sharing `total` operations: each starts the next as soon as its last one
 * ends. Returns the rate and every operation's latency, sorted.
 */
export async function closedLoop(
  clients: number,
  total: number,
  one: (i: number) => Promise<void>,
): Promise<{ perSecond: number; latencies: number[] }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = next++; i < total; i = next++) {
        const t = performance.now();
        await one(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { perSecond: total / seconds, latencies: latencies.sort((a, b) => a - b) };
}

/** A POST of a JSON body with a Bearer token over a keep-alive agent; resolves with status and body. */
export function postJson(
  agent: http.Agent,
  port: number,
  path: string,
  token: string,
  body: unknown,
): Promise<{ status: number; body: string }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          authorization: `Bearer ${token}`,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

/** A real server over the services, listening on a free port, with a keep-alive agent of `clients` sockets. */
export async function listeningServer(
  services: Services,
  clients: number,
): Promise<{ port: number; agent: http.Agent; close(): Promise<void> }> {
  const app = await buildServer({
    services,
    health: () => Promise.resolve({ engine: 'postgres' }),
    secureCookies: false,
    logLevel: 'silent',
    version: 'bench',
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  return {
    port,
    agent,
    close: async () => {
      agent.destroy();
      await app.close();
    },
  };
}

const TIME = '/usr/bin/time';

/** A child process run to its exit, with its wall time, CPU time and peak memory. */
export interface ChildRun {
  readonly ms: number;
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Peak resident set size, MB (NaN when it could not be read). */
  readonly peakMb: number;
  /** User + system CPU time, ms (NaN without /usr/bin/time): steadier than wall time on a busy machine. */
  readonly cpuMs: number;
}

/**
 * Runs a command to its exit and reads its peak RSS: through `/usr/bin/time -v` when there is one,
 * otherwise by polling VmHWM in /proc (which can miss the last few milliseconds).
 */
export async function timedChild(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<ChildRun> {
  const viaTime = existsSync(TIME);
  const started = performance.now();
  const child = viaTime ? spawn(TIME, ['-v', command, ...args], { env }) : spawn(command, args, { env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let polledKb = 0;
  const poll = viaTime
    ? undefined
    : setInterval(() => {
        try {
          const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
          if (m) polledKb = Math.max(polledKb, Number(m[1]));
        } catch {
          // gone
        }
      }, 5);
  const [code] = (await once(child, 'close')) as [number];
  const ms = performance.now() - started;
  if (poll) clearInterval(poll);
  const reported = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
  const kb = reported ? Number(reported[1]) : polledKb;
  const seconds = (what: string): number =>
    Number(new RegExp(`${what} time \\(seconds\\): ([\\d.]+)`).exec(stderr)?.[1] ?? Number.NaN);
  const cpuMs = (seconds('User') + seconds('System')) * 1000;
  return { ms, code, stdout, stderr, peakMb: kb > 0 ? kb / 1024 : Number.NaN, cpuMs };
}
