import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../src/store/database.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of this run's fresh PostgreSQL database, or '' when no server is reachable. */
    pgUrl: string;
  }
}

/**
 * Creates a fresh PostgreSQL database for this test run on the server at TRIALDESK_TEST_PG (default
 * 127.0.0.1:5432, user postgres), migrates it once, and drops it afterwards. Without a reachable server
 * the PostgreSQL tests are skipped, except in CI (CI=true), where that is a failure.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const admin = process.env.TRIALDESK_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `trialdesk_test_${Date.now()}_${process.pid}`;
  const client = new pg.Client({ connectionString: admin, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
  } catch (e) {
    if (process.env.CI === 'true')
      throw new Error(`CI needs the PostgreSQL server at ${admin}: ${(e as Error).message}`);
    console.warn(`PostgreSQL not reachable at ${admin}: tests run on PGlite only`);
    project.provide('pgUrl', '');
    return () => Promise.resolve();
  }
  await client.query(`create database ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const database = await openDatabase({ url: url.toString(), poolSize: 1 });
  await database.close();
  project.provide('pgUrl', url.toString());
  return async () => {
    await client.query(`drop database if exists ${name} with (force)`);
    await client.end();
  };
}
