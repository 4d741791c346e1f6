import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { createServices } from '../src/services/index.js';
import { SYSTEM_ACTOR } from '../src/services/caller.js';
import { hashPassword } from '../src/services/auth/password.js';
import { openDatabase, type Database } from '../src/store/database.js';
import { Store } from '../src/store/store.js';
import { closedLoop, freshPgDatabase, percentile } from './support.js';

export interface WriteResult {
  readonly engine: string;
  readonly concurrency: number;
  readonly writes: number;
  readonly auditedPerSecond: number;
  readonly rawPerSecond: number;
  readonly ratio: number;
  readonly auditedP99Ms: number;
}

/**
 * One audited single-row write through the service layer (authorize, checks, insert, hash-chained audit
 * entry, one transaction: `createSite`) against the same row inserted raw, on the same database.
 */
async function benchEngine(
  database: Database,
  engine: string,
  concurrency: number,
  total: number,
): Promise<WriteResult> {
  const store = new Store(database);
  const services = createServices(store, { sessionHours: 1, lockoutAttempts: 5, lockoutMinutes: 15 });
  const password = 'bench password 123';
  const hash = await hashPassword(password);
  const source = readFileSync(new URL('../protocols/celgosivir-nr-phase2.yaml', import.meta.url), 'utf8');
  const studyFor = async (suffix: string) => {
    const code = `bench-${engine}-${concurrency}-${suffix}-${Date.now()}`;
    return services.studies.createAs(SYSTEM_ACTOR, {
      source: source.replace(/^code: .*$/m, `code: ${code}`),
      fileName: 'bench.yaml',
    });
  };
  const audited = await studyFor('audited');
  const raw = await studyFor('raw');
  const username = `bench-${engine}-${concurrency}-${Date.now()}`;
  await store.write(SYSTEM_ACTOR, async (r) => {
    const u = await r.users.create({
      username,
      displayName: 'bench',
      email: null,
      passwordHash: hash,
      mustChangePassword: false,
    });
    await r.grants.create({
      userId: u.id,
      role: 'data_manager',
      studyId: audited.id,
      siteId: null,
      expiresAt: null,
    });
  });
  const caller = await services.auth.authenticate((await services.auth.signIn({ username, password })).token);

  // Warm both paths up before measuring.
  await services.studies.createSite(caller, audited.id, { code: 'WARM', name: 'warm-up' });
  await sql`insert into sites (study_id, code, name) values (${raw.id}, 'WARM', 'warm-up')`.execute(
    database.db,
  );

  const rawRun = await closedLoop(concurrency, total, async (i) => {
    await sql`insert into sites (study_id, code, name, country) values (${raw.id}, ${`S${i}`}, ${`Site ${i}`}, ${null})`.execute(
      database.db,
    );
  });
  const auditedRun = await closedLoop(concurrency, total, async (i) => {
    await services.studies.createSite(caller, audited.id, { code: `S${i}`, name: `Site ${i}` });
  });
  const report = await services.audit.verify(caller, { studyId: audited.id });
  if (!report.ok) throw new Error('audit chain broken after the benchmark');
  return {
    engine,
    concurrency,
    writes: total,
    auditedPerSecond: auditedRun.perSecond,
    rawPerSecond: rawRun.perSecond,
    ratio: auditedRun.perSecond / rawRun.perSecond,
    auditedP99Ms: percentile(auditedRun.latencies, 99),
  };
}

export async function benchAuditedWrites(total: number): Promise<WriteResult[]> {
  const results: WriteResult[] = [];
  const lite = await openDatabase({ dataDir: 'memory://' });
  try {
    results.push(await benchEngine(lite, 'pglite', 1, total));
  } finally {
    await lite.close();
  }
  const db = await freshPgDatabase('writes');
  if (db) {
    const pgdb = await openDatabase({ url: db.url, poolSize: 32 });
    try {
      results.push(await benchEngine(pgdb, 'postgres', 1, total));
      results.push(await benchEngine(pgdb, 'postgres', 32, total));
    } finally {
      await pgdb.close();
      await db.drop();
    }
  }
  return results;
}
