import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { DomainError } from '../../core/errors.js';
import { lockFolder } from '../folder-lock.js';
import { backupKindOf, megabytes, writeWhole, type Progress } from './backup-file.js';

/**
 * Backs up a PGlite data folder with PGlite's own dump (a gzipped tar of the folder), taken under the
 * folder's lock: the store is offline meanwhile (stop `serve` first), so the copy is of one moment.
 */
export async function backupPGlite(dataDir: string, out: string, progress: Progress): Promise<number> {
  const dir = resolve(dataDir);
  if (!existsSync(join(dir, 'PG_VERSION')))
    throw new DomainError('not_found', `There is no PGlite database in ${dir} to back up`, { location: dir });
  const unlock = await lockFolder(dir);
  try {
    progress(`opening the PGlite database in ${dir}`);
    const pglite = await PGlite.create(dir);
    try {
      await checkTrialdesk(pglite, dir);
      // Written pages reach the folder's files before they are copied (the WAL would replay them
      // anyway; a checkpoint makes the restored store start clean).
      await pglite.exec('checkpoint');
      progress('dumping the data folder');
      const dump = await pglite.dumpDataDir('gzip');
      const bytes = Buffer.from(await dump.arrayBuffer());
      await writeWhole(out, (partial) => writeFile(partial, bytes));
      progress(`wrote ${megabytes(bytes.length)} to ${out}`);
      return bytes.length;
    } finally {
      await pglite.close();
    }
  } finally {
    await unlock();
  }
}

/**
 * Restores a PGlite backup into a data folder: refused unless the folder is empty or absent (or
 * `force`). The backup is loaded into a new folder beside the target and checked, then swapped in,
 * so a failure leaves the target as it was.
 */
export async function restorePGlite(
  file: string,
  dataDir: string,
  options: { readonly force: boolean },
  progress: Progress,
): Promise<void> {
  const kind = await backupKindOf(file);
  if (kind !== 'pglite')
    throw new DomainError(
      'validation',
      `${file} is a PostgreSQL backup (pg_dump): restore it into a PostgreSQL server (set DATABASE_URL)`,
      { file, kind },
    );
  const dir = resolve(dataDir);
  await mkdir(dirname(dir), { recursive: true });
  const unlock = await lockFolder(dir);
  const staging = `${dir}.restoring-${process.pid}`;
  const replaced = `${dir}.replaced-${process.pid}`;
  try {
    const entries = await readdir(dir).catch(() => [] as string[]);
    if (entries.length > 0 && !options.force)
      throw new DomainError(
        'conflict',
        `The data folder ${dir} is not empty: restore into a new folder (TRIALDESK_DATA_DIR), or add --force to replace its database`,
        { location: dir },
      );
    const bytes = (await stat(file)).size;
    progress(`loading ${megabytes(bytes)} from ${file}`);
    await rm(staging, { recursive: true, force: true });
    try {
      const pglite = await PGlite.create(staging, {
        loadDataDir: new Blob([await readFile(file)]),
      }).catch((e: unknown) => {
        throw new DomainError(
          'validation',
          `${file} could not be loaded as a PGlite backup: ${(e as Error).message}`,
          {
            file,
          },
        );
      });
      try {
        await checkTrialdesk(pglite, file);
        await pglite.exec('checkpoint');
      } finally {
        await pglite.close();
      }
      if (entries.length > 0) await rename(dir, replaced);
      await rename(staging, dir);
      progress(`restored into ${dir}`);
    } finally {
      await rm(staging, { recursive: true, force: true });
      await rm(replaced, { recursive: true, force: true });
    }
  } finally {
    await unlock();
  }
}

/** Refuses a database that trialdesk never migrated (someone else's PGlite folder). */
async function checkTrialdesk(pglite: PGlite, where: string): Promise<void> {
  const { rows } = await pglite.query<{ n: number }>(
    `select count(*)::int as n from information_schema.tables where table_name = 'schema_migrations'`,
  );
  if ((rows[0]?.n ?? 0) === 0)
    throw new DomainError('validation', `${where} holds a PostgreSQL database that is not trialdesk's`, {
      location: where,
    });
}
