import { DomainError } from '../../core/errors.js';

export interface ThrottleSettings {
  /** Failed password checks for one account from one source before that pair must wait. */
  readonly perAccountAndSource: number;
  /** Failed password checks from one source, whatever the accounts, before the source must wait. */
  readonly perSource: number;
  /** How long failures are remembered after the last one, and so how long a throttled pair waits. */
  readonly windowMs: number;
}

/** Failures of one key: how many, and until when they are remembered. Checks in progress count too. */
interface Count {
  failures: number;
  inFlight: number;
  until: number;
}

/** A reserved password check: tell it how the check went. */
export interface ThrottleTicket {
  /** A wrong password: counts; returns when the pair must wait until, if this failure throttled it. */
  failed(): Date | null;
  /** The right password: the pair's failures are forgotten (the source's are not). */
  succeeded(): void;
  /** The check did not happen (an error): releases the reservation, counting nothing. */
  release(): void;
}

/** Keys kept at most, so a flood of made-up names or addresses cannot grow memory without bound. */
const MAX_KEYS = 100_000;

/**
 * Sign-in throttling, in memory per process. The account lock it replaces was a tool for denial of
 * service (anyone could lock anyone out, the admin included, with 5 guesses): here failures count per
 * account *and source*, so a guesser from one address waits while the owner, from theirs, signs in.
 * A second limit per source bounds guessing across many accounts. Accounts that do not exist are
 * counted exactly like those that do, so the answers never tell them apart. Checks in progress are
 * counted when they start, so parallel guesses cannot run past the limit.
 */
export class SignInThrottle {
  private readonly counts = new Map<string, Count>();

  constructor(
    private readonly settings: ThrottleSettings,
    private readonly now: () => number = Date.now,
  ) {}

  /** Reserves a check of `account`'s password from `source`, or refuses (429) while they must wait. */
  begin(account: string, source: string): ThrottleTicket {
    const now = this.now();
    const pairKey = `a\u0000${account}\u0000${source}`;
    const sourceKey = `s\u0000${source}`;
    const pair = this.live(pairKey, now);
    const src = this.live(sourceKey, now);
    if (pair.failures + pair.inFlight >= this.settings.perAccountAndSource)
      throw throttled(
        pair.inFlight > 0 && pair.failures < this.settings.perAccountAndSource ? now + 1000 : pair.until,
        now,
      );
    if (src.failures + src.inFlight >= this.settings.perSource)
      throw throttled(
        src.inFlight > 0 && src.failures < this.settings.perSource ? now + 1000 : src.until,
        now,
      );
    pair.inFlight++;
    src.inFlight++;
    let open = true;
    const close = (): boolean => {
      if (!open) return false;
      open = false;
      pair.inFlight--;
      src.inFlight--;
      return true;
    };
    return {
      failed: () => {
        if (!close()) return null;
        const at = this.now();
        for (const c of [pair, src]) {
          c.failures++;
          c.until = at + this.settings.windowMs;
        }
        this.keep(pairKey, pair);
        this.keep(sourceKey, src);
        return pair.failures >= this.settings.perAccountAndSource ? new Date(pair.until) : null;
      },
      succeeded: () => {
        if (close() && this.counts.get(pairKey) === pair) this.counts.delete(pairKey);
        this.forgetIfIdle(sourceKey, src);
      },
      release: () => {
        close();
        this.forgetIfIdle(pairKey, pair);
        this.forgetIfIdle(sourceKey, src);
      },
    };
  }

  /** The key's count, a lapsed one started afresh; registered so parallel checks share it. */
  private live(key: string, now: number): Count {
    const found = this.counts.get(key);
    if (found && (found.until > now || found.inFlight > 0)) {
      if (found.until <= now) found.failures = 0;
      return found;
    }
    const fresh: Count = { failures: 0, inFlight: 0, until: 0 };
    this.keep(key, fresh);
    return fresh;
  }

  /** Stores a count as the newest key, dropping the oldest beyond MAX_KEYS. */
  private keep(key: string, count: Count): void {
    this.counts.delete(key);
    this.counts.set(key, count);
    while (this.counts.size > MAX_KEYS) {
      const oldest = this.counts.keys().next().value;
      if (oldest === undefined) break;
      this.counts.delete(oldest);
    }
  }

  private forgetIfIdle(key: string, count: Count): void {
    if (count.inFlight === 0 && count.failures === 0 && this.counts.get(key) === count)
      this.counts.delete(key);
  }
}

function throttled(until: number, now: number): DomainError {
  const seconds = Math.max(1, Math.ceil((until - now) / 1000));
  const wait = seconds < 60 ? `${seconds} s` : `${Math.ceil(seconds / 60)} min`;
  return new DomainError('rate_limited', `Too many failed sign-ins: try again in ${wait}`, {
    retryAfterSeconds: seconds,
  });
}
