import pg from 'pg';
import { createServices, type Services } from '../src/services/index.js';
import { openDatabase } from '../src/store/database.js';
import { Store } from '../src/store/store.js';
import { stockedStudy, type StockedStudy } from './randomize-setup.js';
import { closedLoop, freshPgDatabase, listeningServer, percentile, postJson } from './support.js';

/** Closed-loop clients on each path, and the size of both pools. */
const CLIENTS = 32;
const WARM_UP = CLIENTS;
/** The two paths run in turns, this many slices each, so a change in the machine's load hits both alike. */
const SLICES = 4;
const PATHS = ['raw', 'http'] as const;

export interface ResultWritesResult {
  readonly engine: 'postgres';
  readonly clients: number;
  readonly writes: number;
  readonly httpPerSecond: number;
  readonly rawPerSecond: number;
  readonly ratio: number;
  readonly httpP50Ms: number;
  readonly httpP99Ms: number;
  readonly rawP50Ms: number;
  readonly rawP99Ms: number;
}

interface Path {
  write(subjectId: string): Promise<void>;
  close(): Promise<void>;
}

const today = (): string => new Date().toISOString().slice(0, 10);

/** POST /api/subjects/:id/results (the screening HCV RNA) over keep-alive connections to a real server. */
async function httpPath(study: StockedStudy, services: Services): Promise<Path> {
  const server = await listeningServer(services, CLIENTS);
  return {
    write: async (subjectId) => {
      const res = await postJson(
        server.agent,
        server.port,
        `/api/subjects/${subjectId}/results`,
        study.token,
        {
          visit: 'SCR',
          collectedOn: today(),
          result: 2_400_000,
          assay: 'COBAS TaqMan HCV v2',
        },
      );
      if (res.status !== 201) throw new Error(`result answered ${res.status}: ${res.body}`);
    },
    close: () => server.close(),
  };
}

/** The same row inserted raw: one INSERT, its own transaction, no checks and no audit. */
function rawPath(url: string, study: StockedStudy): Path {
  const pool = new pg.Pool({ connectionString: url, max: CLIENTS });
  return {
    write: async (subjectId) => {
      await pool.query(
        `insert into results (study_id, subject_id, site_id, visit_code, measure_code, collected_on, kind,
           value, reported, reported_unit, assay, source)
         values ($1, $2, $3, 'SCR', 'HCVRNA', $4, 'value', 2400000, '2400000', 'IU/mL', 'COBAS TaqMan HCV v2', 'site')`,
        [study.studyId, subjectId, study.siteId, today()],
      );
    },
    close: () => pool.end(),
  };
}

/**
 * Single result writes per second through the HTTP API (32 clients; authorization, visit and measure
 * rules, edit checks, the insert, the form's SDV reset, signature invalidation and the hash-chained
 * audit entry, one transaction) against the raw INSERT of the same row, on two studies of one fresh
 * PostgreSQL database, in alternating slices of one run. Null without a PostgreSQL server.
 */
export async function benchResultWrites(total: number): Promise<ResultWritesResult | null> {
  const db = await freshPgDatabase('results');
  if (!db) return null;
  const database = await openDatabase({ url: db.url, poolSize: CLIENTS });
  try {
    const store = new Store(database);
    const services = createServices(store, { sessionHours: 1, lockoutAttempts: 5, lockoutMinutes: 15 });
    const studies = {
      raw: await stockedStudy(store, services, 'results-raw', WARM_UP + total),
      http: await stockedStudy(store, services, 'results-http', WARM_UP + total),
    };
    const paths = { raw: rawPath(db.url, studies.raw), http: await httpPath(studies.http, services) };
    const measured = {
      raw: { seconds: 0, latencies: [] as number[] },
      http: { seconds: 0, latencies: [] as number[] },
    };
    try {
      for (const name of PATHS)
        await closedLoop(CLIENTS, WARM_UP, (i) => paths[name].write(studies[name].subjectIds[i]!));
      const slice = Math.ceil(total / SLICES);
      for (let done = 0; done < total; done += slice) {
        const n = Math.min(slice, total - done);
        for (const name of PATHS) {
          const ids = studies[name].subjectIds.slice(WARM_UP + done, WARM_UP + done + n);
          const run = await closedLoop(CLIENTS, n, (i) => paths[name].write(ids[i]!));
          measured[name].seconds += n / run.perSecond;
          measured[name].latencies.push(...run.latencies);
        }
      }
    } finally {
      await paths.http.close();
      await paths.raw.close();
    }
    const sorted = (xs: number[]) => xs.sort((a, b) => a - b);
    const http = { perSecond: total / measured.http.seconds, latencies: sorted(measured.http.latencies) };
    const raw = { perSecond: total / measured.raw.seconds, latencies: sorted(measured.raw.latencies) };
    return {
      engine: 'postgres',
      clients: CLIENTS,
      writes: total,
      httpPerSecond: http.perSecond,
      rawPerSecond: raw.perSecond,
      ratio: http.perSecond / raw.perSecond,
      httpP50Ms: percentile(http.latencies, 50),
      httpP99Ms: percentile(http.latencies, 99),
      rawP50Ms: percentile(raw.latencies, 50),
      rawP99Ms: percentile(raw.latencies, 99),
    };
  } finally {
    await database.close();
    await db.drop();
  }
}
