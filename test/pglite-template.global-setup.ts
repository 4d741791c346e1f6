import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import { migrate } from '../src/store/database.js';
import { PGliteDialect } from '../src/store/pglite-dialect.js';
import type { DB } from '../src/store/schema.js';

/**
 * Every test file opens throw-away PGlite databases, and PGlite's initdb costs seconds of CPU each
 * time. This runs initdb and the migrations once per run, dumps the data folder, and points
 * TRIALDESK_PGLITE_TEMPLATE at the dump: the workers (forked after this) inherit it, and each
 * `memory://` database then loads the dump instead. The database code is the same; only its start is.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'trialdesk-pglite-'));
  const pglite = await PGlite.create();
  const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite) });
  try {
    await migrate(db);
    const dump = await pglite.dumpDataDir('none');
    const path = join(dir, 'migrated.tar');
    await writeFile(path, Buffer.from(await dump.arrayBuffer()));
    process.env.TRIALDESK_PGLITE_TEMPLATE = path;
  } finally {
    await db.destroy();
  }
  return () => rm(dir, { recursive: true, force: true });
}
