import { afterEach, describe, expect, it } from 'vitest';
import { HashLimiter } from '../../src/services/auth/hash-limiter.js';
import {
  DEFAULT_HASH_LIMITS,
  hashPassword,
  setPasswordCheckLimits,
  verifyPassword,
} from '../../src/services/auth/password.js';

/** Work that finishes when the test says so, recording the order in which it started. */
function gate() {
  const started: string[] = [];
  const releases: (() => void)[] = [];
  const work = (name: string) => () => {
    started.push(name);
    return new Promise<string>((resolve) => releases.push(() => resolve(name)));
  };
  /** Lets the oldest running work finish, then waits for the next one to start. */
  const finishOne = async () => {
    releases.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { started, work, finishOne };
}

describe('fair, bounded password hashing', () => {
  it('serves waiting sources in turn: a flood from one address does not hold the others back', async () => {
    const limiter = new HashLimiter({ concurrency: 1, maxQueued: 100, maxQueuedPerSource: 100 });
    const g = gate();
    const runs = [
      ...Array.from({ length: 6 }, (_, i) => limiter.run('ip:attacker', g.work(`attacker-${i}`))),
      limiter.run('ip:owner', g.work('owner')),
    ];
    await new Promise((resolve) => setImmediate(resolve));
    expect(g.started).toEqual(['attacker-0']);
    await g.finishOne();
    // The owner came last but is served second: the attacker's queue takes turns with it.
    expect(g.started).toEqual(['attacker-0', 'owner']);
    for (let i = 0; i < 6; i++) await g.finishOne();
    expect(await Promise.all(runs)).toHaveLength(7);
    expect(g.started).toHaveLength(7);
  });

  it('refuses at once beyond the per-source and the total queue, before any work', async () => {
    const limiter = new HashLimiter({ concurrency: 1, maxQueued: 3, maxQueuedPerSource: 2 });
    const g = gate();
    const running = limiter.run('ip:a', g.work('a0'));
    const queued = [limiter.run('ip:a', g.work('a1')), limiter.run('ip:a', g.work('a2'))];
    await expect(limiter.run('ip:a', g.work('a3'))).rejects.toMatchObject({
      code: 'rate_limited',
      details: { retryAfterSeconds: 5 },
    });
    queued.push(limiter.run('ip:b', g.work('b0')));
    await expect(limiter.run('ip:c', g.work('c0'))).rejects.toMatchObject({
      code: 'unavailable',
      details: { retryAfterSeconds: 5 },
    });
    // Checks without a network source are not capped per source, only in total.
    await expect(limiter.run('local', g.work('l0'))).rejects.toMatchObject({ code: 'unavailable' });
    for (let i = 0; i < 4; i++) await g.finishOne();
    await Promise.all([running, ...queued]);
    expect(g.started).toEqual(['a0', 'b0', 'a1', 'a2']);
  });

  it('bounds real password checks: with one running and none allowed to wait, a second is refused', async () => {
    const hash = await hashPassword('a password to check');
    setPasswordCheckLimits({ concurrency: 1, maxQueued: 0, maxQueuedPerSource: 0 });
    const first = verifyPassword('a password to check', hash, 'ip:1');
    await expect(verifyPassword('a password to check', hash, 'ip:2')).rejects.toMatchObject({
      code: 'rate_limited',
    });
    await expect(verifyPassword('a password to check', hash)).rejects.toMatchObject({
      code: 'unavailable',
    });
    expect(await first).toBe(true);
  });

  afterEach(() => setPasswordCheckLimits(DEFAULT_HASH_LIMITS));
});
