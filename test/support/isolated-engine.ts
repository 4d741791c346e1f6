import pg from 'pg';
import { openDatabase } from '../../src/store/database.js';
import { unique, type TestEngine } from './engines.js';

/**
 * The engine over a database of its own: PGlite in memory is one already; on PostgreSQL a fresh
 * database is created on the run's server (and dropped by `drop`). For tests that compare whole
 * views, which other tests' rows in a shared database would disturb (e.g. the admin's user list).
 */
export async function isolatedEngine(
  engine: TestEngine,
  pgUrl: string,
): Promise<{ engine: TestEngine; drop(): Promise<void> }> {
  if (engine.name === 'pglite') return { engine, drop: () => Promise.resolve() };
  const name = `trialdesk_iso_${unique()}`.replace(/[^a-z0-9_]/g, '_');
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(pgUrl);
  url.pathname = `/${name}`;
  return {
    engine: { name: 'postgres', open: () => openDatabase({ url: url.toString(), poolSize: 4 }) },
    drop: async () => {
      try {
        await admin.query(`drop database if exists ${name} with (force)`);
      } finally {
        await admin.end();
      }
    },
  };
}
