import { open, rename, rm, stat } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { DomainError } from '../../core/errors.js';

/** What a backup file holds: a PGlite data folder (tar, usually gzipped) or a pg_dump archive. */
export type BackupKind = 'pglite' | 'postgres';

/** Reports progress of long work, one line at a time (without a newline). */
export type Progress = (line: string) => void;

const PGDMP = Buffer.from('PGDMP');
const GZIP = Buffer.from([0x1f, 0x8b]);

/**
 * Tells a backup's kind from its first bytes: pg_dump's custom format starts with "PGDMP"; PGlite's
 * dump is a tar ("ustar" at byte 257), gzipped unless made with compression 'none'. Anything else is
 * refused before a byte of the target changes.
 */
export async function backupKindOf(file: string): Promise<BackupKind> {
  let head: Buffer;
  try {
    const handle = await open(file, 'r');
    try {
      head = Buffer.alloc(64 * 1024);
      const { bytesRead } = await handle.read(head, 0, head.length, 0);
      head = head.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (e) {
    throw new DomainError('not_found', `Cannot read the backup file ${file}: ${(e as Error).message}`, {
      file,
    });
  }
  if (head.subarray(0, PGDMP.length).equals(PGDMP)) return 'postgres';
  let tar = head;
  if (head.subarray(0, 2).equals(GZIP)) {
    try {
      // The first 64 KiB of the stream are enough for the first tar header.
      tar = gunzipSync(head, { finishFlush: 2 /* Z_SYNC_FLUSH */ });
    } catch {
      tar = Buffer.alloc(0);
    }
  }
  if (tar.subarray(257, 262).toString('latin1') === 'ustar') return 'pglite';
  const plainSql = /^(--|SET |CREATE |\n)/.test(head.subarray(0, 16).toString('latin1'));
  throw new DomainError(
    'validation',
    `${file} is not a trialdesk backup: expected a PGlite backup (a tar of the data folder) or a pg_dump ` +
      `archive in custom format` +
      (plainSql ? '; this looks like a plain SQL dump (make it with pg_dump --format=custom)' : ''),
    { file },
  );
}

/** Refuses to overwrite `file` unless forced. */
export async function checkOutput(file: string, force: boolean): Promise<void> {
  const existing = await stat(file).catch(() => undefined);
  if (existing?.isDirectory())
    throw new DomainError('validation', `--out ${file} is a folder: give a file name`, { file });
  if (existing && !force)
    throw new DomainError('conflict', `${file} exists: choose another --out, or add --force to replace it`, {
      file,
    });
}

/**
 * Writes a file whole or not at all: `write` fills a temporary file beside it, renamed into place once
 * complete, so a failed or interrupted backup never leaves a file that looks like one.
 */
export async function writeWhole(file: string, write: (partial: string) => Promise<void>): Promise<void> {
  const partial = `${file}.partial-${process.pid}`;
  try {
    await write(partial);
    await rename(partial, file);
  } finally {
    await rm(partial, { force: true });
  }
}

export const megabytes = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
