import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServices } from '../src/services/index.js';
import { openDatabase } from '../src/store/database.js';
import { Store } from '../src/store/store.js';
import { eligibleNr } from '../test/support/trial.js';
import { SOAK_PASSWORD, soakStudy, type SoakStudy } from './soak-setup.js';
import { freshPgDatabase, percentile } from './support.js';

const MAIN = new URL('../dist/cli/main.js', import.meta.url).pathname;
const KINDS = ['sign-in', 'worklist', 'screen', 'randomize', 'result', 'query'] as const;
type Kind = (typeof KINDS)[number];

/** What each virtual user does next, by weight: mostly reading and entering data, as sites do. */
const MIX: readonly { op: 'sign-in' | 'worklist' | 'enrol' | 'result' | 'query'; weight: number }[] = [
  { op: 'worklist', weight: 4 },
  { op: 'result', weight: 3 },
  { op: 'enrol', weight: 2 },
  { op: 'query', weight: 1 },
  { op: 'sign-in', weight: 1 },
];

export interface SoakOptions {
  readonly seconds: number;
  /** Closed-loop virtual users, half on each node. */
  readonly clients: number;
  /** Milliseconds between RSS samples of each node. */
  readonly sampleMs: number;
}

export interface KindStats {
  readonly count: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
}

export interface NodeMemory {
  readonly node: 'A' | 'B';
  /** RSS in MB at each sample (seconds since the start of the workload). */
  readonly samples: readonly { readonly t: number; readonly rssMb: number }[];
  readonly warmUpEndMb: number;
  readonly endMb: number;
  readonly maxMb: number;
  /**
   * Growth after warm-up (the first fifth): the lowest RSS of the last fifth minus the lowest of the
   * fifth after warm-up. The floor, because RSS swings by tens of MB with the sign-ins' memory-hard
   * password hashes (32 MB each) and the garbage collector; what a leak raises is the floor.
   */
  readonly growthMb: number;
  /** The same with medians instead of floors (noisier). */
  readonly medianGrowthMb: number;
}

export interface SoakResult {
  readonly engine: 'postgres';
  readonly nodes: 2;
  readonly seconds: number;
  readonly clients: number;
  readonly operations: number;
  readonly perSecond: number;
  readonly errors: number;
  readonly firstErrors: readonly string[];
  readonly kinds: Readonly<Record<Kind, KindStats>>;
  readonly memory: readonly NodeMemory[];
  readonly allocations: number;
  readonly randomizationOk: boolean;
  readonly auditOk: boolean;
  readonly chains: number;
}

/** One `trialdesk serve` process on the database, on a free loopback port. */
async function startNode(url: string): Promise<{ child: ChildProcess; base: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [MAIN, 'serve'], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: url,
      HOST: '127.0.0.1',
      PORT: '0',
      TRIALDESK_LOG_LEVEL: 'silent',
      TRIALDESK_LOAD_REFERENCE: 'false',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const base = await new Promise<string>((resolve, reject) => {
    const seen = (d: Buffer): void => {
      output += d.toString();
      const url = /running at (http:\/\/\S+)/.exec(output)?.[1];
      if (url) resolve(url.replace('localhost', '127.0.0.1'));
    };
    child.stdout?.on('data', seen);
    child.stderr?.on('data', seen);
    child.once('exit', () => reject(new Error(`serve exited: ${output}`)));
  });
  return {
    child,
    base,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

const rssMb = (pid: number): number => {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return kb ? Number(kb) / 1024 : Number.NaN;
};

const median = (xs: readonly number[]): number =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );

function memoryOf(
  node: 'A' | 'B',
  samples: readonly { t: number; rssMb: number }[],
  seconds: number,
): NodeMemory {
  const fifth = seconds / 5;
  const after = samples.filter((s) => s.t >= fifth && s.t < 2 * fifth).map((s) => s.rssMb);
  const last = samples.filter((s) => s.t >= 4 * fifth).map((s) => s.rssMb);
  return {
    node,
    samples,
    warmUpEndMb: after[0] ?? Number.NaN,
    endMb: samples.at(-1)?.rssMb ?? Number.NaN,
    maxMb: Math.max(...samples.map((s) => s.rssMb)),
    growthMb: Math.min(...last) - Math.min(...after),
    medianGrowthMb: median(last) - median(after),
  };
}

/**
 * The soak: two app nodes (real `trialdesk serve` processes, sharing nothing but PostgreSQL), a mixed
 * workload of `clients` closed-loop virtual users (half on each node) for `seconds`, every answer
 * checked; throughput, p50/p99 per kind of request, errors, and each node's RSS sampled over time.
 * Loopback only; bounded by time and by the kits stocked.
 */
export async function benchSoak(options: SoakOptions): Promise<SoakResult | null> {
  const db = await freshPgDatabase('soak');
  if (!db) return null;
  const database = await openDatabase({ url: db.url, poolSize: 4 });
  const store = new Store(database);
  const services = createServices(store, { sessionHours: 1, lockoutAttempts: 5, lockoutMinutes: 15 });
  // Enough kits for about 6 randomizations a second; enrolment stops at 80% of them.
  const kitsPerDrug = Math.max(300, options.seconds * 6);
  const nodes: Awaited<ReturnType<typeof startNode>>[] = [];
  try {
    const study = await soakStudy(store, services, kitsPerDrug);
    nodes.push(await startNode(db.url), await startNode(db.url));
    const run = await workload(study, [nodes[0]!.base, nodes[1]!.base], options, kitsPerDrug * 0.8, (t) =>
      nodes.map((n) => ({ t, rssMb: rssMb(n.child.pid ?? 0) })),
    );
    const checked = await study.check();
    return {
      engine: 'postgres',
      nodes: 2,
      seconds: run.seconds,
      clients: options.clients,
      operations: run.operations,
      perSecond: run.operations / run.seconds,
      errors: run.errors.length,
      firstErrors: run.errors.slice(0, 10),
      kinds: run.kinds,
      memory: (['A', 'B'] as const).map((node, i) =>
        memoryOf(
          node,
          run.samples.map((s) => s[i]!),
          run.seconds,
        ),
      ),
      ...checked,
    };
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    await database.close();
    await db.drop();
  }
}

interface Enrolled {
  readonly subjectId: string;
  readonly resultId: string;
}

async function workload(
  study: SoakStudy,
  bases: readonly [string, string],
  options: SoakOptions,
  maxRandomizations: number,
  sample: (t: number) => { t: number; rssMb: number }[],
): Promise<{
  seconds: number;
  operations: number;
  errors: string[];
  kinds: Record<Kind, KindStats>;
  samples: { t: number; rssMb: number }[][];
}> {
  const latencies = Object.fromEntries(KINDS.map((k) => [k, [] as number[]])) as Record<Kind, number[]>;
  const errorsOf = Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<Kind, number>;
  const errors: string[] = [];
  const enrolled: Enrolled[] = [];
  /** Subjects free for a query (one open query on a data point at a time). */
  const queryable: Enrolled[] = [];
  let randomizations = 0;
  let operations = 0;

  /** One request, timed under `kind`, its status checked; returns the body or undefined on error. */
  async function call<T>(
    kind: Kind,
    base: string,
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    token: string | null,
    body: unknown,
    expected: number,
  ): Promise<T | undefined> {
    const started = performance.now();
    try {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      latencies[kind].push(performance.now() - started);
      operations++;
      if (res.status !== expected) {
        errorsOf[kind]++;
        errors.push(`${kind} ${method} ${path}: ${res.status} ${text.slice(0, 200)}`);
        return undefined;
      }
      return (text ? JSON.parse(text) : {}) as T;
    } catch (e) {
      errorsOf[kind]++;
      operations++;
      errors.push(`${kind} ${method} ${path}: ${(e as Error).message}`);
      return undefined;
    }
  }

  const signIn = async (base: string, username: string): Promise<string> => {
    const res = await fetch(`${base}/api/auth/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: SOAK_PASSWORD }),
    });
    const token = /trialdesk_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
    if (res.status !== 200 || !token) throw new Error(`sign-in of ${username} answered ${res.status}`);
    return token;
  };

  const pick = (): (typeof MIX)[number]['op'] => {
    let r = Math.random() * MIX.reduce((s, m) => s + m.weight, 0);
    for (const m of MIX) if ((r -= m.weight) < 0) return m.op;
    return 'worklist';
  };

  const sessions = await Promise.all(
    bases.map(async (base) => ({
      base,
      coordinator: await signIn(base, study.coordinator),
      monitor: await signIn(base, study.monitor),
    })),
  );

  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  const samples: { t: number; rssMb: number }[][] = [sample(0)];
  const sampler = setInterval(
    () => samples.push(sample((performance.now() - started) / 1000)),
    options.sampleMs,
  );

  async function enrol(base: string, crc: string): Promise<void> {
    const subject = await call<{ id: string }>(
      'screen',
      base,
      'POST',
      `/api/studies/${study.studyId}/subjects`,
      crc,
      { siteId: study.siteId, answers: eligibleNr('NR') },
      201,
    );
    if (!subject) return;
    const result = await call<{ record: { id: string } }>(
      'result',
      base,
      'POST',
      `/api/subjects/${subject.id}/results`,
      crc,
      {
        visit: 'SCR',
        collectedOn: new Date().toISOString().slice(0, 10),
        result: 2_400_000,
        assay: 'COBAS TaqMan HCV v2',
      },
      201,
    );
    const allocated = await call(
      'randomize',
      base,
      'POST',
      `/api/subjects/${subject.id}/randomize`,
      crc,
      { requestId: crypto.randomUUID(), levels: {} },
      201,
    );
    if (allocated && result) {
      enrolled.push({ subjectId: subject.id, resultId: result.record.id });
      queryable.push({ subjectId: subject.id, resultId: result.record.id });
    }
  }

  await Promise.all(
    Array.from({ length: options.clients }, async (_, client) => {
      const session = sessions[client % 2]!;
      const { base, coordinator: crc, monitor: cra } = session;
      while (performance.now() < deadline) {
        let op = pick();
        if (op === 'enrol' && randomizations >= maxRandomizations) op = 'worklist';
        if ((op === 'result' || op === 'query') && enrolled.length === 0)
          op = randomizations < maxRandomizations ? 'enrol' : 'worklist';
        switch (op) {
          case 'worklist':
            await call(
              'worklist',
              base,
              'GET',
              `/api/studies/${study.studyId}/worklist`,
              crc,
              undefined,
              200,
            );
            break;
          case 'enrol':
            randomizations++;
            await enrol(base, crc);
            break;
          case 'result': {
            const s = enrolled[Math.floor(Math.random() * enrolled.length)]!;
            await call(
              'result',
              base,
              'PUT',
              `/api/results/${s.resultId}`,
              crc,
              {
                result: 1_000_000 + Math.floor(Math.random() * 3_000_000),
                assay: 'COBAS TaqMan HCV v2',
                collectedOn: new Date().toISOString().slice(0, 10),
                reasonForChange: 'Transcription error corrected against the lab report',
              },
              200,
            );
            break;
          }
          case 'query': {
            const s = queryable.shift();
            if (!s) {
              await call('query', base, 'GET', `/api/studies/${study.studyId}/queries`, cra, undefined, 200);
              break;
            }
            const q = await call<{ id: string }>(
              'query',
              base,
              'POST',
              `/api/subjects/${s.subjectId}/queries`,
              cra,
              {
                form: 'visit:SCR',
                field: 'HCVRNA.result',
                text: 'Please confirm the value against the lab report.',
              },
              201,
            );
            if (q) {
              await call(
                'query',
                base,
                'POST',
                `/api/queries/${q.id}/answer`,
                crc,
                { text: 'Confirmed.' },
                200,
              );
              await call(
                'query',
                base,
                'POST',
                `/api/queries/${q.id}/close`,
                cra,
                { text: 'Thank you.' },
                200,
              );
            }
            queryable.push(s);
            break;
          }
          case 'sign-in': {
            // Timed: the sign-in (a deliberately slow password hash). Then the session is ended.
            const t = performance.now();
            const token = await signIn(base, study.visitor).catch((e: unknown) => {
              errorsOf['sign-in']++;
              errors.push(`sign-in: ${(e as Error).message}`);
              return undefined;
            });
            latencies['sign-in'].push(performance.now() - t);
            operations++;
            if (token) {
              const out = await fetch(`${base}/api/auth/sign-out`, {
                method: 'POST',
                headers: { authorization: `Bearer ${token}` },
              });
              if (out.status !== 204) errors.push(`sign-out: ${out.status}`);
            }
            break;
          }
        }
      }
    }),
  );
  clearInterval(sampler);
  samples.push(sample((performance.now() - started) / 1000));
  const seconds = (performance.now() - started) / 1000;
  const kinds = Object.fromEntries(
    KINDS.map((k) => {
      const sorted = latencies[k].sort((a, b) => a - b);
      return [
        k,
        {
          count: sorted.length,
          perSecond: sorted.length / seconds,
          p50Ms: percentile(sorted, 50),
          p99Ms: percentile(sorted, 99),
          errors: errorsOf[k],
        },
      ];
    }),
  ) as Record<Kind, KindStats>;
  return { seconds, operations, errors, kinds, samples };
}
