import { inject } from 'vitest';
import { openDatabase, type Database } from '../../src/store/database.js';

export interface TestEngine {
  readonly name: 'pglite' | 'postgres';
  open(): Promise<Database>;
}

/** PGlite always (in memory); the PostgreSQL server whenever the run has one (always in CI). */
export function engines(): TestEngine[] {
  const pgUrl = inject('pgUrl');
  const list: TestEngine[] = [{ name: 'pglite', open: () => openDatabase({ dataDir: 'memory://' }) }];
  if (pgUrl) list.push({ name: 'postgres', open: () => openDatabase({ url: pgUrl, poolSize: 16 }) });
  return list;
}

/** A suffix that makes codes and usernames unique across tests sharing one database. */
export const unique = (): string => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
