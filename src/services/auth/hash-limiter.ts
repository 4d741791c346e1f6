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
  /** Waiting checks per source; Map order is the round-robin order. */
  private readonly queues = new Map<string, (() => void)[]>();

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

  /** Hands free slots to the waiting sources in turn: the first in line, which then goes to the back. */
  private drain(): void {
    while (this.running < this.limits.concurrency && this.queued > 0) {
      const [source, queue] = this.queues.entries().next().value as [string, (() => void)[]];
      const next = queue.shift();
      this.queues.delete(source);
      if (queue.length > 0) this.queues.set(source, queue);
      if (!next) continue;
      this.queued--;
      this.running++;
      next();
    }
  }
}
