import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, Migrator, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { DomainError } from '../core/errors.js';
import { lockFolder } from './folder-lock.js';
import { migrations } from './migrations/index.js';
import { PGliteDialect } from './pglite-dialect.js';
import type { DB } from './schema.js';

export type Engine = 'pglite' | 'postgres';

export interface DatabaseOptions {
  /** A postgres:// URL; when absent, PGlite is used. */
  readonly url?: string | undefined;
  /** PGlite data folder, or 'memory://' for a throw-away database. */
  readonly dataDir?: string;
  readonly poolSize?: number;
}

export interface Database {
  readonly db: Kysely<DB>;
  readonly engine: Engine;
  /** Where the data lives, without credentials: for messages. */
  readonly location: string;
  /** Migrations applied by this open (empty when the schema was up to date). */
  readonly applied: readonly string[];
  close(): Promise<void>;
}

const INT8_OID = 20;
const DATE_OID = 1082;
/** Calendar dates stay 'YYYY-MM-DD' strings: a Date would shift them by the time zone. */
const asIs = (v: string): string => v;
const NUMERIC_SAFE_INT8 = (v: string): number | bigint => {
  const n = BigInt(v);
  return n <= BigInt(Number.MAX_SAFE_INTEGER) && n >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(n) : n;
};

/** int8 as a number when it fits (as PGlite does), so both engines give the same values. */
function typeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
  if (Number(oid) === INT8_OID) return NUMERIC_SAFE_INT8;
  if (Number(oid) === DATE_OID) return asIs;
  return pg.types.getTypeParser(oid, format ?? 'text') as (value: string) => unknown;
}

/** Opens the store (PostgreSQL server or PGlite), checks it answers, and applies pending migrations. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const database = options.url
    ? await openPostgres(options.url, options.poolSize ?? 20)
    : await openPGlite(options.dataDir ?? './data');
  try {
    return { ...database, applied: await migrate(database.db) };
  } catch (e) {
    await database.close();
    throw e;
  }
}

async function openPostgres(url: string, poolSize: number): Promise<Omit<Database, 'applied'>> {
  const location = redact(url);
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: 5000,
    types: { getTypeParser: typeParser as typeof pg.types.getTypeParser },
  });
  // An idle client's network error must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  try {
    await sql`select 1`.execute(db);
  } catch (e) {
    await db.destroy();
    throw new DomainError(
      'unavailable',
      `Cannot reach the PostgreSQL server at ${location}: ${(e as Error).message}`,
      {
        location,
      },
    );
  }
  return { db, engine: 'postgres', location, close: () => db.destroy() };
}

async function openPGlite(dataDir: string): Promise<Omit<Database, 'applied'>> {
  if (dataDir.startsWith('memory://')) {
    const template = memoryTemplate();
    const pglite = await PGlite.create({
      parsers: { [DATE_OID]: asIs },
      ...(template ? { loadDataDir: template } : {}),
    });
    const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite) });
    return { db, engine: 'pglite', location: 'memory', close: () => db.destroy() };
  }
  const dir = resolve(dataDir);
  mkdirSync(dirname(dir), { recursive: true });
  const unlock = await lockFolder(dir);
  try {
    const pglite = await PGlite.create(dir, { parsers: { [DATE_OID]: asIs } });
    const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite) });
    return {
      db,
      engine: 'pglite',
      location: dir,
      close: async () => {
        await db.destroy();
        await unlock();
      },
    };
  } catch (e) {
    await unlock();
    throw new DomainError(
      'unavailable',
      `Cannot open the PGlite database in ${dir}: ${(e as Error).message}`,
      {
        location: dir,
      },
    );
  }
}

/**
 * A throw-away database normally starts with PGlite's initdb, several seconds of CPU. When
 * TRIALDESK_PGLITE_TEMPLATE names a data-folder dump (`dumpDataDir('none')` of a migrated database, as
 * the test suite's global setup makes once per run), it starts from that instead, in under a second;
 * pending migrations are still applied on top.
 */
let template: { path: string; blob: Blob } | undefined;
function memoryTemplate(): Blob | undefined {
  const path = process.env.TRIALDESK_PGLITE_TEMPLATE;
  if (!path) return undefined;
  if (template?.path !== path) template = { path, blob: new Blob([readFileSync(path)]) };
  return template.blob;
}

/** Applies every pending migration, in order, under the migrator's lock. */
export async function migrate(db: Kysely<DB>): Promise<readonly string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve({ ...migrations }) },
    migrationTableName: 'schema_migrations',
    migrationLockTableName: 'schema_migrations_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new DomainError('unavailable', `Migration ${failed} failed: ${(error as Error).message}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the configured DATABASE_URL';
  }
}
