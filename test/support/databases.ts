import pg from 'pg';
import { unique } from './engines.js';

/**
 * Databases of their own on the run's PostgreSQL server, for tests that need a whole database (a
 * restore replaces one; a full `audit verify` must not see other tests' deliberate tampering). The
 * test drops them with `dropAll`.
 */
export function scratchDatabases(pgUrl: string, prefix: string) {
  const created: string[] = [];
  const adminUrl = (): string => {
    const u = new URL(pgUrl);
    u.pathname = '/postgres';
    return u.toString();
  };
  const onAdmin = async (work: (client: pg.Client) => Promise<void>): Promise<void> => {
    const client = new pg.Client({ connectionString: adminUrl(), connectionTimeoutMillis: 30_000 });
    await client.connect();
    try {
      await work(client);
    } finally {
      await client.end();
    }
  };
  return {
    /** A new, empty database; returns its URL. */
    async create(): Promise<string> {
      const name = `${prefix}_${unique().replace(/\W/g, '')}`;
      await onAdmin((c) => c.query(`create database ${name}`).then(() => undefined));
      created.push(name);
      const u = new URL(pgUrl);
      u.pathname = `/${name}`;
      return u.toString();
    },
    async dropAll(): Promise<void> {
      if (created.length === 0) return;
      await onAdmin(async (c) => {
        for (const name of created.splice(0)) await c.query(`drop database if exists ${name} with (force)`);
      });
    },
  };
}
