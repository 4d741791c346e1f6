import { createHash } from 'node:crypto';
import { existsSync, realpathSync, rmSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { DomainError } from '../core/errors.js';

/** Releases a folder lock. */
export type Unlock = () => Promise<void>;

/**
 * Where the lock of a folder lives. A listening socket is a lock the kernel takes atomically (one
 * `bind` wins) and drops when its process dies, however it dies: a pid file outlived kill -9 and, in a
 * container where every server is pid 1, read as held forever.
 * - Linux: an abstract-namespace socket (`\0trialdesk-<hash>`): no file, nothing left behind.
 * - Windows: a named pipe, which behaves the same.
 * - elsewhere (macOS, BSD): a socket file in the temporary folder; one left by a dead process refuses
 *   connections, and is removed and bound again.
 * The name hashes the folder's real path, so `./data` and its absolute path share one lock.
 */
export function lockAddress(dir: string): { readonly path: string; readonly file: boolean } {
  // The folder may not exist yet (a first start, a restore): its parent does.
  const parent = dirname(dir);
  const real = join(existsSync(parent) ? realpathSync(parent) : parent, basename(dir));
  const hash = createHash('sha256').update(real).digest('hex').slice(0, 32);
  if (process.platform === 'linux') return { path: `\0trialdesk-${hash}`, file: false };
  if (process.platform === 'win32') return { path: `\\\\?\\pipe\\trialdesk-${hash}`, file: false };
  return { path: join(tmpdir(), `trialdesk-${hash}.sock`), file: true };
}

/**
 * Locks a PGlite data folder for this process: PGlite is one process's database, and two processes
 * writing one folder would corrupt it. A second opener, in this process or another, is refused with
 * the holder's pid, which the holder tells anyone who connects to its socket.
 */
export async function lockFolder(dir: string): Promise<Unlock> {
  const address = lockAddress(dir);
  for (let attempt = 0; ; attempt++) {
    const server = createServer((socket) => {
      socket.unref();
      socket.on('error', () => undefined);
      socket.end(`${process.pid}\n`);
    });
    const error = await listen(server, address.path);
    if (!error) {
      // The lock must not keep the process alive on its own.
      server.unref();
      return () => new Promise<void>((resolve) => server.close(() => resolve()));
    }
    if (error.code !== 'EADDRINUSE') throw error;
    const holder = await askHolder(address.path);
    if (holder === 'gone' && address.file && attempt === 0) {
      // A socket file left by a process that died: nobody listens on it any more.
      rmSync(address.path, { force: true });
      continue;
    }
    const who = typeof holder === 'number' ? ` (pid ${holder})` : '';
    throw new DomainError(
      'unavailable',
      `The data folder ${dir} is in use by another trialdesk process${who}. Stop it, use its HTTP API, or set DATABASE_URL to share a PostgreSQL server.`,
      { location: dir, ...(typeof holder === 'number' ? { pid: holder } : {}) },
    );
  }
}

function listen(server: Server, path: string): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    server.once('error', (e: NodeJS.ErrnoException) => resolve(e));
    server.listen({ path, exclusive: true }, () => resolve(undefined));
  });
}

/** The pid the lock's holder answers with; 'gone' when nobody listens; undefined when it says nothing. */
function askHolder(path: string): Promise<number | 'gone' | undefined> {
  return new Promise((resolve) => {
    let answer = '';
    const socket = connect({ path });
    // A holder busy at start-up may answer slowly; it still holds the lock, so only the pid waits.
    socket.setTimeout(2000, () => socket.destroy());
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (answer += d));
    socket.on('error', (e: NodeJS.ErrnoException) =>
      resolve(e.code === 'ECONNREFUSED' || e.code === 'ENOENT' ? 'gone' : undefined),
    );
    socket.on('close', () => {
      const pid = Number(answer.trim());
      resolve(Number.isInteger(pid) && pid > 0 ? pid : undefined);
    });
  });
}
