import { describe, expect, it } from 'vitest';
import { SignInThrottle } from '../../src/services/auth/sign-in-throttle.js';

const settings = { perAccountAndSource: 2, perSource: 3, windowMs: 60_000 };

describe('sign-in throttle', () => {
  it('counts failures per account and source; a success forgets the pair but not the source', () => {
    let now = 0;
    const t = new SignInThrottle(settings, () => now);
    expect(t.begin('ann', 'ip:1').failed()).toBeNull();
    t.begin('ann', 'ip:1').succeeded();
    expect(t.begin('ann', 'ip:1').failed()).toBeNull();
    expect(t.begin('ann', 'ip:1').failed()).toEqual(new Date(60_000));
    expect(() => t.begin('ann', 'ip:1')).toThrow(
      expect.objectContaining({
        code: 'rate_limited',
        message: 'Too many failed sign-ins: try again in 1 min',
        details: { retryAfterSeconds: 60 },
      }) as Error,
    );
    t.begin('ann', 'ip:2').succeeded();
    // The source has 3 failures (one before the success): it waits for every account.
    expect(() => t.begin('bob', 'ip:1')).toThrow(expect.objectContaining({ code: 'rate_limited' }) as Error);
    now = 30_000;
    expect(() => t.begin('bob', 'ip:1')).toThrow(
      expect.objectContaining({ details: { retryAfterSeconds: 30 } }) as Error,
    );
    now = 60_001;
    expect(() => t.begin('ann', 'ip:1').release()).not.toThrow();
  });

  it('counts checks in progress, and a released one counts nothing', () => {
    const t = new SignInThrottle(settings, () => 0);
    const a = t.begin('cat', 'ip:9');
    const b = t.begin('cat', 'ip:9');
    expect(() => t.begin('cat', 'ip:9')).toThrow(
      expect.objectContaining({ code: 'rate_limited', details: { retryAfterSeconds: 1 } }) as Error,
    );
    a.release();
    b.release();
    b.failed(); // settled already: ignored
    const c = t.begin('cat', 'ip:9');
    c.release();
    expect(t.begin('cat', 'ip:9').failed()).toBeNull();
  });
});
