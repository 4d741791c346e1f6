import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockFolder } from '../../src/store/folder-lock.js';

describe('the PGlite folder lock', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'trialdesk-lock-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('refuses a second lock of one folder, naming the holder, and grants it again once released', async () => {
    const dir = join(root, 'a');
    const unlock = await lockFolder(dir);
    await expect(lockFolder(dir)).rejects.toMatchObject({
      code: 'unavailable',
      message: expect.stringContaining(
        `The data folder ${dir} is in use by another trialdesk process (pid ${process.pid})`,
      ) as string,
      details: { location: dir, pid: process.pid },
    });
    await unlock();
    const again = await lockFolder(dir);
    await again();
  });

  it('gives the lock to exactly one of many concurrent openers', async () => {
    const dir = join(root, 'b');
    const outcomes = await Promise.allSettled(Array.from({ length: 12 }, () => lockFolder(dir)));
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const o of outcomes)
      if (o.status === 'rejected') expect((o.reason as Error).message).toContain('is in use by another');
    await (won[0] as PromiseFulfilledResult<() => Promise<void>>).value();
  });

  it('treats a relative path and its absolute form as one folder, and other folders as others', async () => {
    const dir = join(root, 'c');
    const unlock = await lockFolder(dir);
    await expect(lockFolder(join(root, '.', 'x', '..', 'c'))).rejects.toMatchObject({ code: 'unavailable' });
    const other = await lockFolder(join(root, 'd'));
    await other();
    await unlock();
  });
});
