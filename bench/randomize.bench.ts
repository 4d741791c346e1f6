import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createServices, type Services } from '../src/services/index.js';
import { openDatabase } from '../src/store/database.js';
import { Store } from '../src/store/store.js';
import { stockedStudy, type StockedStudy } from './randomize-setup.js';
import { closedLoop, freshPgDatabase, listeningServer, percentile, postJson } from './support.js';

/** Closed-loop clients on each path, and the size of both pools: every client can hold a connection. */
const CLIENTS = 32;
/** Randomizations made on each path before measuring, to warm up connections, JIT and caches. */
const WARM_UP = CLIENTS;
/** The two paths run in turns, this many slices each, so a change in the machine's load hits both alike. */
const SLICES = 4;
const PATHS = ['raw', 'http'] as const;

export interface RandomizeResult {
  readonly engine: 'postgres';
  readonly clients: number;
  readonly randomizations: number;
  readonly httpPerSecond: number;
  readonly rawPerSecond: number;
  readonly ratio: number;
  readonly httpP50Ms: number;
  readonly httpP99Ms: number;
  readonly rawP50Ms: number;
  readonly rawP99Ms: number;
}

/** A path under test: randomizes one subject, and is closed at the end. */
interface Path {
  randomize(subjectId: string): Promise<void>;
  close(): Promise<void>;
}

/** POST /api/subjects/:id/randomize over CLIENTS keep-alive connections to a real listening server. */
async function httpPath(study: StockedStudy, services: Services): Promise<Path> {
  const server = await listeningServer(services, CLIENTS);
  return {
    randomize: async (subjectId) => {
      const res = await postJson(
        server.agent,
        server.port,
        `/api/subjects/${subjectId}/randomize`,
        study.token,
        {
          requestId: randomUUID(),
          levels: {},
        },
      );
      if (res.status !== 201) throw new Error(`randomize answered ${res.status}: ${res.body}`);
    },
    close: () => server.close(),
  };
}

/** UPDATE … WHERE id IN ((SELECT … FOR UPDATE SKIP LOCKED), …): one usable kit per need, in one statement. */
function dispenseSql(needs: number): string {
  const picks = Array.from(
    { length: needs },
    (_, i) =>
      `(select id from kits where study_id = $3 and site_id = $4 and status = 'at_site' and drug_code = $${6 + 2 * i}
        and content = $${7 + 2 * i} and expires_on > $5 order by expires_on, kit_number limit 1 for update skip locked)`,
  );
  return `update kits set status = 'dispensed', subject_id = $1, visit_code = $2, dispensed_at = now()
    where id in (${picks.join(', ')}) returning kit_number`;
}

/**
 * The same randomization as one hand-written transaction with pg: the study lock, the allocation (arms
 * in turn), the counter, the kits, the subject, one plain audit row (no hash chain), commit.
 */
async function rawPath(url: string, study: StockedStudy): Promise<Path> {
  const pool = new pg.Pool({ connectionString: url, max: CLIENTS });
  const { studyId, siteId } = study;
  const chain = `bench-raw-${studyId}`;
  const usableAfter = new Date().toISOString().slice(0, 10);
  await pool.query('insert into randomization_state (study_id) values ($1) on conflict do nothing', [
    studyId,
  ]);
  await pool.query(`insert into audit_chains (chain, last_seq, last_hash) values ($1, 0, '')`, [chain]);
  const randomize = async (subjectId: string) => {
    const client = await pool.connect();
    try {
      await client.query('begin');
      const { rows } = await client.query<{ allocated: number }>(
        'select allocated from randomization_state where study_id = $1 for update',
        [studyId],
      );
      const n = rows[0]!.allocated;
      const arm = study.arms[n % study.arms.length]!;
      await client.query(
        `insert into allocations (study_id, subject_id, site_id, randomization_number, sequence_number,
           stratum_key, slot_index, arm_code, method, request_id, protocol_version)
         values ($1, $2, $3, $4, $5, 'NR', $5, $6, 'permuted-blocks', $7, 1)`,
        [studyId, subjectId, siteId, 1001 + n, n, arm.code, randomUUID()],
      );
      await client.query('update randomization_state set allocated = $2 where study_id = $1', [
        studyId,
        n + 1,
      ]);
      const kits = await client.query<{ kit_number: string }>(dispenseSql(arm.needs.length), [
        subjectId,
        'D0',
        studyId,
        siteId,
        usableAfter,
        ...arm.needs.flatMap((need) => [need.drug, need.content]),
      ]);
      if (kits.rowCount !== arm.needs.length) throw new Error('raw randomization ran out of kits');
      await client.query(`update subjects set status = 'randomized' where id = $1`, [subjectId]);
      await client.query(
        `insert into audit_log (chain, seq, at, study_id, actor_name, actor_role, action, entity_type,
           entity_id, new_value, blind_sensitive, prev_hash, hash)
         values ($1, $2, now(), $3, 'bench', 'site_coordinator', 'randomization.allocate', 'subject', $4, $5,
           true, '', '')`,
        [
          chain,
          n + 1,
          studyId,
          subjectId,
          JSON.stringify({ randomizationNumber: 1001 + n, arm: arm.code, kits: kits.rows }),
        ],
      );
      await client.query('commit');
    } catch (e) {
      await client.query('rollback');
      throw e;
    } finally {
      client.release();
    }
  };
  return { randomize, close: () => pool.end() };
}

/**
 * Randomizations per second through the HTTP API (32 clients, a real server over the services on
 * PostgreSQL) against the same locking and writes as one raw SQL transaction, on a separate study of
 * the same fresh database, in alternating slices of one run. The HTTP study is verified afterwards
 * (sequence against the seed, audit chain). Null without a PostgreSQL server.
 */
export async function benchRandomize(total: number): Promise<RandomizeResult | null> {
  const db = await freshPgDatabase('randomize');
  if (!db) return null;
  const database = await openDatabase({ url: db.url, poolSize: CLIENTS });
  try {
    const store = new Store(database);
    const services = createServices(store, { sessionHours: 1, lockoutAttempts: 5, lockoutMinutes: 15 });
    const studies = {
      raw: await stockedStudy(store, services, 'raw', WARM_UP + total),
      http: await stockedStudy(store, services, 'http', WARM_UP + total),
    };
    const paths = { raw: await rawPath(db.url, studies.raw), http: await httpPath(studies.http, services) };
    const measured = {
      raw: { seconds: 0, latencies: [] as number[] },
      http: { seconds: 0, latencies: [] as number[] },
    };
    try {
      for (const name of PATHS)
        await closedLoop(CLIENTS, WARM_UP, (i) => paths[name].randomize(studies[name].subjectIds[i]!));
      const slice = Math.ceil(total / SLICES);
      for (let done = 0; done < total; done += slice) {
        const n = Math.min(slice, total - done);
        for (const name of PATHS) {
          const ids = studies[name].subjectIds.slice(WARM_UP + done, WARM_UP + done + n);
          const run = await closedLoop(CLIENTS, n, (i) => paths[name].randomize(ids[i]!));
          measured[name].seconds += n / run.perSecond;
          measured[name].latencies.push(...run.latencies);
        }
      }
    } finally {
      await paths.http.close();
      await paths.raw.close();
    }
    await studies.http.check(WARM_UP + total);
    const ours = {
      perSecond: total / measured.http.seconds,
      latencies: measured.http.latencies.sort((a, b) => a - b),
    };
    const raw = {
      perSecond: total / measured.raw.seconds,
      latencies: measured.raw.latencies.sort((a, b) => a - b),
    };
    return {
      engine: 'postgres',
      clients: CLIENTS,
      randomizations: total,
      httpPerSecond: ours.perSecond,
      rawPerSecond: raw.perSecond,
      ratio: ours.perSecond / raw.perSecond,
      httpP50Ms: percentile(ours.latencies, 50),
      httpP99Ms: percentile(ours.latencies, 99),
      rawP50Ms: percentile(raw.latencies, 50),
      rawP99Ms: percentile(raw.latencies, 99),
    };
  } finally {
    await database.close();
    await db.drop();
  }
}
