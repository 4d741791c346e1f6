import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CompiledQuery } from 'kysely';
import pg from 'pg';
import { afterAll, inject, it as base } from 'vitest';
import { parse, stringify } from 'yaml';
import type { CliIo } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/program.js';
import { SYSTEM_ACTOR } from '../../src/services/caller.js';
import { openDatabase, type Database } from '../../src/store/database.js';
import { Store } from '../../src/store/store.js';
import { unique } from '../support/engines.js';
import { PASSWORD, readProtocol, world } from '../support/fixtures.js';

/** The repository root: the working directory of every command, so `protocols/…` resolves. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CliResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  /** The prompts the command showed to read a secret. */
  readonly prompts: readonly string[];
}

export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Answers to the command's secret prompts, in order ('' once they run out). */
  readonly secrets?: readonly string[];
  /** Resolves when `serve` should stop; called once the server is listening. */
  readonly untilStopped?: () => Promise<void>;
  /** Sees standard output as it is written (e.g. the URL `serve` prints before it blocks). */
  readonly onOutput?: (text: string) => void;
}

/** Runs the CLI in-process with buffered output and an environment built by the test (never process.env). */
export async function cli(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  let out = '';
  let err = '';
  const secrets = [...(options.secrets ?? [])];
  const prompts: string[] = [];
  const io: CliIo = {
    env: options.env ?? {},
    cwd: options.cwd ?? ROOT,
    out: (text) => {
      out += text;
      options.onOutput?.(text);
    },
    err: (text) => {
      err += text;
    },
    readSecret: (prompt) => {
      prompts.push(prompt);
      return Promise.resolve(secrets.shift() ?? '');
    },
    untilStopped: options.untilStopped ?? (() => Promise.resolve()),
  };
  const code = await runCli(args, io);
  return { code, out, err, prompts };
}

const makeTempDir = (): Promise<string> => mkdtemp(join(tmpdir(), 'trialdesk-cli-'));

/**
 * `it` with a `dir` of its own: a temporary folder removed when the test ends. Safe for concurrent
 * tests (an afterEach would remove the folders of tests still running).
 */
export const it = base.extend<{ dir: string }>({
  // eslint-disable-next-line no-empty-pattern
  dir: async ({}, use) => {
    const dir = await makeTempDir();
    try {
      await use(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
});

afterAll(async () => {
  const root = await pgliteTemplate?.root;
  if (root) await rm(root, { recursive: true, force: true });
  pgliteTemplate = undefined;
});

/**
 * A PGlite data folder as the CLI leaves it after its first command (initialized, migrated, with the
 * first admin), made once per test file: PGlite's initdb takes seconds, a copy milliseconds. Each test
 * still gets a folder of its own. (The migrate and serve tests start from empty folders.)
 */
let pgliteTemplate: { root: Promise<string>; data: Promise<string> } | undefined;

async function freshPGliteFolder(dataDir: string): Promise<void> {
  if (!pgliteTemplate) {
    const root = makeTempDir();
    const data = root.then(async (dir) => {
      const data = join(dir, 'data');
      const r = await cli(['study', 'list'], { env: pgliteEnv(data) });
      if (r.code !== 0) throw new Error(`could not set up a PGlite folder (exit ${r.code}): ${r.err}`);
      return data;
    });
    pgliteTemplate = { root, data };
  }
  await cp(await pgliteTemplate.data, dataDir, { recursive: true });
}

/** The environment every command gets: quiet, no reference studies unless a test asks for them. */
export const BASE_ENV: NodeJS.ProcessEnv = {
  TRIALDESK_LOG_LEVEL: 'silent',
  TRIALDESK_LOAD_REFERENCE: 'false',
};

type ProtocolDoc = Record<string, unknown> & { code: string };

export interface SqlOptions {
  /** Runs as `session_replication_role = replica`, which skips the append-only triggers. */
  readonly bypassTriggers?: boolean;
}

/** One database the CLI runs against, set up for one test, with an administrator to sign in as. */
export interface CliTarget {
  readonly engine: 'pglite' | 'postgres';
  /** A temporary folder of this test, for protocol files and the PGlite data folder. */
  readonly dir: string;
  /** The administrator's user name (unique on the shared PostgreSQL database). */
  readonly admin: string;
  /** The environment to run commands as the administrator. */
  readonly env: NodeJS.ProcessEnv;
  /** The environment to run commands as another user (password from TRIALDESK_PASSWORD). */
  envAs(user: string, password: string): NodeJS.ProcessEnv;
  /** Runs `trialdesk ARGS` as the administrator (or with the `env` given instead). */
  run(args: readonly string[], options?: RunOptions): Promise<CliResult>;
  /**
   * A protocol file of this test: the reference file itself on PGlite; on PostgreSQL a copy with a
   * unique study code. With `edit`, always a copy, changed by `edit` (which may also break it).
   */
  protocol(path: string, edit?: (doc: ProtocolDoc) => void): Promise<{ file: string; code: string }>;
  /** Writes `text` as a protocol file of this test and returns its path. */
  writeFile(name: string, text: string): Promise<string>;
  /**
   * Runs SQL through the test's own connection (never the CLI's). On PGlite only between commands:
   * the data folder has one owner at a time, and in one process the lock file cannot tell owners apart.
   */
  sql<R = Record<string, unknown>>(
    query: string,
    params?: readonly unknown[],
    options?: SqlOptions,
  ): Promise<R[]>;
  /** Runs each statement in one session; returns each one's error message, or null when it succeeded. */
  trySql(queries: readonly string[]): Promise<(string | null)[]>;
  /** The store over the target database, for setting up data the CLI has no command for. */
  withStore<T>(work: (store: Store) => Promise<T>): Promise<T>;
}

/** A unique user name on the shared database (3 to 40 characters, lower case). */
export const uniqueName = (prefix: string): string => `${prefix}-${unique()}`;

/** PGlite only: for behaviour that does not depend on the engine (parsing, sign-in messages). */
export const pgliteOnly = (): ReturnType<typeof cliTargets> => cliTargets().slice(0, 1);

/** The engines the CLI tests run on: PGlite in a fresh folder always; PostgreSQL when the run has one. */
export function cliTargets(): { name: 'pglite' | 'postgres'; setup: (dir: string) => Promise<CliTarget> }[] {
  const pgUrl = inject('pgUrl');
  const list: { name: 'pglite' | 'postgres'; setup: (dir: string) => Promise<CliTarget> }[] = [
    { name: 'pglite', setup: (dir) => pgliteTarget(dir) },
  ];
  if (pgUrl) list.push({ name: 'postgres', setup: (dir) => postgresTarget(dir, pgUrl) });
  return list;
}

/** The environment of the first admin on a PGlite folder (made with TRIALDESK_ADMIN_PASSWORD). */
export const pgliteEnv = (dataDir: string): NodeJS.ProcessEnv => ({
  ...BASE_ENV,
  TRIALDESK_DATA_DIR: dataDir,
  TRIALDESK_ADMIN_PASSWORD: PASSWORD,
  TRIALDESK_USER: 'admin',
  TRIALDESK_PASSWORD: PASSWORD,
});

async function pgliteTarget(dir: string): Promise<CliTarget> {
  const dataDir = join(dir, 'data');
  await freshPGliteFolder(dataDir);
  const base = { ...BASE_ENV, TRIALDESK_DATA_DIR: dataDir, TRIALDESK_ADMIN_PASSWORD: PASSWORD };
  return makeTarget({
    engine: 'pglite',
    dir,
    admin: 'admin',
    base,
    open: () => openDatabase({ dataDir }),
    session: async (options, work) => {
      const database = await openDatabase({ dataDir });
      try {
        const query: Query = async (text, params) =>
          (await database.db.executeQuery(CompiledQuery.raw(text, [...params]))).rows as Row[];
        if (options.bypassTriggers) await query('set session_replication_role = replica', []);
        return await work(query);
      } finally {
        await database.close();
      }
    },
  });
}

/**
 * The administrator of this test file on the shared PostgreSQL database, made once (password hashing
 * is slow on purpose). Bootstrap never creates `admin` there: the database has users already.
 */
let postgresAdmin: Promise<string> | undefined;

async function postgresTarget(dir: string, url: string): Promise<CliTarget> {
  postgresAdmin ??= (async () => {
    const name = uniqueName('adm');
    const database = await openDatabase({ url, poolSize: 2 });
    try {
      await world(database).user([{ role: 'admin' }], name);
    } finally {
      await database.close();
    }
    return name;
  })();
  const admin = await postgresAdmin;
  return makeTarget({
    engine: 'postgres',
    dir,
    admin,
    base: { ...BASE_ENV, DATABASE_URL: url },
    open: () => openDatabase({ url, poolSize: 2 }),
    session: async (options, work) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const query: Query = async (text, params) => (await client.query<Row>(text, [...params])).rows;
        if (options.bypassTriggers) await query('set session_replication_role = replica', []);
        return await work(query);
      } finally {
        await client.end();
      }
    },
  });
}

type Row = Record<string, unknown>;
type Query = (text: string, params: readonly unknown[]) => Promise<Row[]>;

function makeTarget(spec: {
  engine: 'pglite' | 'postgres';
  dir: string;
  admin: string;
  base: NodeJS.ProcessEnv;
  open: () => Promise<Database>;
  /** One session of the test's own connection. */
  session<T>(options: SqlOptions, work: (query: Query) => Promise<T>): Promise<T>;
}): CliTarget {
  const envAs = (user: string, password: string): NodeJS.ProcessEnv => ({
    ...spec.base,
    TRIALDESK_USER: user,
    TRIALDESK_PASSWORD: password,
  });
  const env = envAs(spec.admin, PASSWORD);
  const writeProtocolFile = async (name: string, text: string): Promise<string> => {
    const file = join(spec.dir, name);
    await writeFile(file, text);
    return file;
  };
  return {
    engine: spec.engine,
    dir: spec.dir,
    admin: spec.admin,
    env,
    envAs,
    run: (args, options = {}) => cli(args, { ...options, env: options.env ?? env }),
    writeFile: writeProtocolFile,
    protocol: async (path, edit) => {
      const source = readProtocol(path);
      const doc = parse(source) as ProtocolDoc;
      if (spec.engine === 'pglite' && !edit) return { file: join(ROOT, path), code: doc.code };
      const code = spec.engine === 'postgres' ? `${doc.code}-${unique()}` : doc.code;
      const copy: ProtocolDoc = { ...doc, code };
      edit?.(copy);
      const name = `${code}-${unique()}.yaml`;
      return { file: await writeProtocolFile(name, stringify(copy)), code };
    },
    sql: async <R>(query: string, params: readonly unknown[] = [], options: SqlOptions = {}) =>
      (await spec.session(options, (q) => q(query, params))) as R[],
    trySql: (queries) =>
      spec.session({}, async (q) => {
        const outcomes: (string | null)[] = [];
        for (const query of queries)
          outcomes.push(
            await q(query, []).then(
              () => null,
              (e: unknown) => (e as Error).message,
            ),
          );
        return outcomes;
      }),
    withStore: async (work) => {
      const database = await spec.open();
      try {
        return await work(new Store(database));
      } finally {
        await database.close();
      }
    },
  };
}

/** The studies `study list --json` prints. */
export interface ListedStudy {
  readonly id: string;
  readonly code: string;
  readonly currentVersion: number;
  readonly status: string;
}

export async function listStudies(t: CliTarget): Promise<ListedStudy[]> {
  const r = await t.run(['study', 'list', '--json']);
  if (r.code !== 0) throw new Error(`study list failed (${r.code}): ${r.err}`);
  return JSON.parse(r.out) as ListedStudy[];
}

/** Creates a study from a reference protocol through the CLI; returns its code and id. */
export async function createStudy(
  t: CliTarget,
  path = 'protocols/celgosivir-nr-phase2.yaml',
): Promise<{ code: string; id: string }> {
  const { file, code } = await t.protocol(path);
  const r = await t.run(['study', 'create', '--protocol', file, '--json']);
  if (r.code !== 0) throw new Error(`study create failed (${r.code}): ${r.err}`);
  return { code, id: (JSON.parse(r.out) as { id: string }).id };
}

/** Adds sites to a study (as the system: the CLI has no command for sites). */
export async function addSites(t: CliTarget, id: string, codes: readonly string[]): Promise<void> {
  await t.withStore((store) =>
    store.write(SYSTEM_ACTOR, async (r) => {
      for (const code of codes)
        await r.sites.create({ studyId: id, code, name: `Site ${code}`, country: 'CA' });
    }),
  );
}
