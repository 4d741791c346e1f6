import { DomainError } from '../../core/errors.js';

export interface HashLimits {
  /** Password hashes computed at once (scrypt takes a core and 32 MiB each). */
  readonly concurrency: number;
  /** Checks waiting in all; beyond it the server answers 503 with Retry-After. */
  readonly maxQueued: number;
  /** Checks one named source may have waiting; beyond it that source gets 429 with Retry-After. */
  readonly maxQueuedPerSource: number;
}

/** Where checks without a network source (the CLI, start-up, user creation) queue: not capped per source. */
export const LOCAL_SOURCE = 'local';

/**
 * A fair semaphore for password hashing. Waiting checks queue per source and a freed slot goes to
 * the sources in turn, so one address sending 40 bogus sign-ins delays someone else's sign-in by at
 * most one hash per slot, not by 40. Queues are bounded: a full one refuses at once, before any
 * hashing, instead of piling up memory and latency.
 */
export class HashLimiter {
  private running = 0;
  private queued = 0;
  /** Waiting checks per source. */
  private readonly queues = new Map<string, (() => void)[]>();
  /** When each recent source was last given a slot (a counter, not a clock); oldest first. */
  private readonly lastServed = new Map<string, number>();
  private tick = 0;

  constructor(private limits: HashLimits) {}

  /** Changes the limits (tests, configuration); running checks are not affected. */
  configure(limits: HashLimits): void {
    this.limits = limits;
    this.drain();
  }

  /** Runs `work` when a slot is free, in turn with other sources; refuses at once when queues are full. */
  async run<T>(source: string, work: () => Promise<T>): Promise<T> {
    await this.acquire(source);
    try {
      return await work();
    } finally {
      this.running--;
      this.drain();
    }
  }

  private acquire(source: string): Promise<void> {
    if (this.running < this.limits.concurrency && this.queued === 0) {
      this.running++;
      this.served(source);
      return Promise.resolve();
    }
    const queue = this.queues.get(source) ?? [];
    if (source !== LOCAL_SOURCE && queue.length >= this.limits.maxQueuedPerSource)
      throw new DomainError(
        'rate_limited',
        'Too many sign-ins from your address at once: wait a moment and try again',
        { retryAfterSeconds: 5 },
      );
    if (this.queued >= this.limits.maxQueued)
      throw new DomainError('unavailable', 'The server is busy checking passwords: try again shortly', {
        retryAfterSeconds: 5,
      });
    return new Promise((resolve) => {
      queue.push(resolve);
      this.queues.set(source, queue);
      this.queued++;
    });
  }

  /** Hands each free slot to the waiting source served longest ago (or never): no source waits two turns. */
  private drain(): void {
    while (this.running < this.limits.concurrency && this.queued > 0) {
      let pick: string | undefined;
      let pickAt = Infinity;
      for (const [source, queue] of this.queues) {
        const at = this.lastServed.get(source) ?? -1;
        if (queue.length > 0 && at < pickAt) [pick, pickAt] = [source, at];
      }
      const queue = pick === undefined ? undefined : this.queues.get(pick);
      const next = queue?.shift();
      if (pick === undefined || !queue || !next) return;
      if (queue.length === 0) this.queues.delete(pick);
      this.queued--;
      this.running++;
      this.served(pick);
      next();
    }
  }

  private served(source: string): void {
    this.lastServed.delete(source);
    this.lastServed.set(source, ++this.tick);
    // Only recent sources matter for taking turns: forget the oldest beyond a bound.
    while (this.lastServed.size > 10_000) {
      const oldest = this.lastServed.keys().next().value;
      if (oldest === undefined) break;
      this.lastServed.delete(oldest);
    }
  }
}
