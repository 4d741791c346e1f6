import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, inject } from 'vitest';
import { lockFolder } from '../../src/store/folder-lock.js';
import { BASE_ENV, cli, it, pgliteEnv } from './harness.js';

describe.concurrent('trialdesk migrate', () => {
  it('applies 0001-foundation to a fresh PGlite folder; a second run says it is up to date', async ({
    dir,
    expect,
  }) => {
    const data = join(dir, 'data');
    const env = { ...BASE_ENV, TRIALDESK_DATA_DIR: data };
    const first = await cli(['migrate'], { env });
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    expect(first.out).toBe(
      `Applied 4 migration(s) to ${data}: 0001-foundation, 0002-randomization-supply, 0003-data-capture, 0004-integrity\n`,
    );
    // A lock file of an older version (a pid that may be alive, as pid 1 in a container) is not a
    // lock: the folder's lock is a socket that dies with its process.
    await writeFile(`${data}.lock`, '1');
    const second = await cli(['migrate'], { env });
    expect(second.err).toBe('');
    expect(second.code).toBe(0);
    expect(second.out).toBe(`The database at ${data} is up to date.\n`);
  });

  it.skipIf(!inject('pgUrl'))(
    'says the PostgreSQL database is up to date, naming the server',
    async ({ expect }) => {
      const url = inject('pgUrl');
      const r = await cli(['migrate'], { env: { ...BASE_ENV, DATABASE_URL: url } });
      expect(r.code).toBe(0);
      expect(r.out).toBe(`The database at ${new URL(url).toString()} is up to date.\n`);
    },
  );
});

describe.concurrent('an unavailable database exits 3', () => {
  it('a PostgreSQL server that does not answer: the message names the server', async ({ expect }) => {
    const r = await cli(['study', 'list'], {
      env: { ...BASE_ENV, DATABASE_URL: 'postgres://postgres@127.0.0.1:1/x', TRIALDESK_USER: 'admin' },
      secrets: ['whatever it is'],
    });
    expect(r.code).toBe(3);
    expect(r.out).toBe('');
    expect(r.err).toMatch(
      /^error: Cannot reach the PostgreSQL server at postgres:\/\/postgres@127\.0\.0\.1:1\/x: .+\n$/,
    );
  });

  it('the server’s password is never printed', async ({ expect }) => {
    const r = await cli(['migrate'], {
      env: { ...BASE_ENV, DATABASE_URL: 'postgresql://trialdesk:s3cret-pw@127.0.0.1:1/trialdesk' },
    });
    expect(r.code).toBe(3);
    expect(r.err).toContain(
      'Cannot reach the PostgreSQL server at postgresql://trialdesk:***@127.0.0.1:1/trialdesk',
    );
    expect(r.err).not.toContain('s3cret-pw');
  });

  it('a PGlite folder locked by another live process: a clear message naming it, and nothing made', async ({
    dir,
    expect,
  }) => {
    const data = join(dir, 'data');
    const unlock = await lockFolder(data);
    try {
      const r = await cli(['study', 'list'], { env: pgliteEnv(data) });
      expect(r.code).toBe(3);
      expect(r.err).toBe(
        `error: The data folder ${data} is in use by another trialdesk process (pid ${process.pid}). ` +
          'Stop it, use its HTTP API, or set DATABASE_URL to share a PostgreSQL server.\n',
      );
      expect(existsSync(data)).toBe(false);
    } finally {
      await unlock();
    }
  });
});

describe.concurrent('bad configuration', () => {
  it.for([
    { args: ['serve'], env: { PORT: 'abc' }, names: 'PORT' },
    { args: ['serve', '--port', 'abc'], env: {}, names: 'PORT' },
    { args: ['serve'], env: { PORT: '70000' }, names: 'PORT' },
    {
      args: ['migrate'],
      env: { DATABASE_URL: 'mysql://localhost/x' },
      names: 'DATABASE_URL must be a postgres:// URL',
    },
    {
      args: ['serve'],
      env: { TRIALDESK_ADMIN_PASSWORD: 'short' },
      names: 'TRIALDESK_ADMIN_PASSWORD must be at least 12',
    },
    { args: ['migrate'], env: { TRIALDESK_LOG_LEVEL: 'loud' }, names: 'TRIALDESK_LOG_LEVEL' },
  ])('$args with $env: exit 1 naming $names, before opening any database', async (c, { dir, expect }) => {
    const data = join(dir, 'data');
    const r = await cli(c.args, { env: { ...BASE_ENV, TRIALDESK_DATA_DIR: data, ...c.env } });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: Invalid configuration: /);
    expect(r.err).toContain(c.names);
    expect(existsSync(data)).toBe(false);
  });
});
