import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DomainError } from '../../core/errors.js';
import { backupKindOf, megabytes, writeWhole, type Progress } from './backup-file.js';

export interface PostgresToolsOptions {
  /** The folder of pg_dump, pg_restore and psql; default: found on PATH. */
  readonly pgBin?: string | undefined;
}

/**
 * Backs up a PostgreSQL database with `pg_dump --format=custom`: online (one consistent snapshot
 * while the app nodes keep running), compressed, and restorable with the standard tools.
 */
export async function backupPostgres(
  url: string,
  out: string,
  options: PostgresToolsOptions,
  progress: Progress,
): Promise<number> {
  const { dbname, env } = connection(url);
  await writeWhole(out, async (partial) => {
    await run(
      'pg_dump',
      [
        '--format=custom',
        '--no-owner',
        '--no-privileges',
        '--verbose',
        `--file=${partial}`,
        `--dbname=${dbname}`,
      ],
      { ...options, env },
      (line) => {
        const table = /dumping contents of table "([^"]+)"/.exec(line)?.[1];
        if (table) progress(`dumping ${table}`);
      },
    );
  });
  const bytes = (await stat(out)).size;
  progress(`wrote ${megabytes(bytes)} to ${out}`);
  return bytes;
}

/**
 * Restores a pg_dump archive into the database of `url`: refused unless it is empty (or `force`,
 * which replaces its `public` schema). The whole restore runs as one transaction (psql
 * --single-transaction over the script pg_restore writes), so a failure leaves the database as it was.
 */
export async function restorePostgres(
  file: string,
  url: string,
  options: PostgresToolsOptions & { readonly force: boolean },
  progress: Progress,
): Promise<void> {
  const kind = await backupKindOf(file);
  if (kind !== 'postgres')
    throw new DomainError(
      'validation',
      `${file} is a PGlite backup: restore it into a data folder (TRIALDESK_DATA_DIR, without DATABASE_URL)`,
      { file, kind },
    );
  const { dbname, env, location } = connection(url);
  const tables = await publicTables(url, location);
  if (tables > 0 && !options.force)
    throw new DomainError(
      'conflict',
      `The database at ${location} is not empty (${tables} tables): restore into a new, empty database ` +
        `(createdb), or add --force to replace its contents`,
      { location, tables },
    );
  let list = '';
  await run(
    'pg_restore',
    ['--list', file],
    options,
    () => undefined,
    (text) => (list += text),
  );
  if (!/ TABLE public schema_migrations /.test(list))
    throw new DomainError('validation', `${file} is a pg_dump archive, but not of a trialdesk database`, {
      file,
    });
  const work = await mkdtemp(join(tmpdir(), 'trialdesk-restore-'));
  try {
    // The script first, whole: psql reading a pg_restore cut short would commit what it had read.
    const script = join(work, 'restore.sql');
    progress(`reading ${megabytes((await stat(file)).size)} from ${file}`);
    await run(
      'pg_restore',
      ['--no-owner', '--no-privileges', '--verbose', `--file=${script}`, file],
      options,
      (line) => {
        const table = /processing data for table "([^"]+)"/.exec(line)?.[1];
        if (table) progress(`restoring ${table}`);
      },
    );
    progress(`loading into ${location} (one transaction)`);
    await run(
      'psql',
      [
        '--no-psqlrc',
        '--quiet',
        '--set=ON_ERROR_STOP=1',
        '--single-transaction',
        ...(tables > 0 ? ['--command=drop schema public cascade; create schema public;'] : []),
        `--file=${script}`,
        `--dbname=${dbname}`,
      ],
      { ...options, env },
      () => undefined,
    );
    progress(`restored into ${location}`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The URL without its password (which goes to the tools by PGPASSWORD, never on a command line). */
function connection(url: string): { dbname: string; env: NodeJS.ProcessEnv; location: string } {
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  u.password = '';
  return { dbname: u.toString(), env: password ? { PGPASSWORD: password } : {}, location: u.toString() };
}

async function publicTables(url: string, location: string): Promise<number> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    const { rows } = await client.query<{ n: number }>(
      `select count(*)::int as n from pg_tables where schemaname = 'public'`,
    );
    return rows[0]?.n ?? 0;
  } catch (e) {
    throw new DomainError(
      'unavailable',
      `Cannot reach the PostgreSQL server at ${location}: ${(e as Error).message}`,
      {
        location,
      },
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Runs one PostgreSQL client tool; `onLine` sees each line it writes to standard error (verbose
 * progress); fails with the tool's own error lines.
 */
function run(
  tool: 'pg_dump' | 'pg_restore' | 'psql',
  args: readonly string[],
  options: PostgresToolsOptions & { readonly env?: NodeJS.ProcessEnv },
  onLine: (line: string) => void,
  onStdout?: (text: string) => void,
): Promise<void> {
  const command = options.pgBin ? join(options.pgBin, tool) : tool;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, ...options.env },
      stdio: ['ignore', onStdout ? 'pipe' : 'ignore', 'pipe'],
    });
    const errors: string[] = [];
    let pending = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => onStdout?.(d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      const lines = (pending + d).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (/error|fatal|could not|invalid|denied|mismatch/i.test(line)) errors.push(line);
        onLine(line);
      }
    });
    child.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'ENOENT'
          ? new DomainError(
              'unavailable',
              `${tool} was not found ${options.pgBin ? `in ${options.pgBin}` : 'on PATH'}: install the PostgreSQL ` +
                `client tools of the server's version or newer (Debian: apt-get install postgresql-client), ` +
                `or set TRIALDESK_PG_BIN to their folder`,
              { tool },
            )
          : e,
      ),
    );
    child.once('close', (code) => {
      if (pending) onLine(pending);
      if (code === 0) resolve();
      else
        reject(
          new DomainError(
            'unavailable',
            `${tool} failed (exit ${code ?? 'signal'}): ${errors.join('; ') || pending}`,
            {
              tool,
            },
          ),
        );
    });
  });
}
