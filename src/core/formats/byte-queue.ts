/** Bytes from a file, a stream's chunks or a test's array. */
export type ByteSource = Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

/**
 * A window over a byte source read in order: `ensure(n)` pulls chunks until n bytes are at hand (or
 * the source ends), `take(n)` consumes them. Consumed bytes are dropped, so memory stays at about a
 * chunk plus the look-ahead asked for.
 */
export class ByteQueue {
  private buffer = new Uint8Array(0);
  private start = 0;
  private end = 0;
  /** Absolute offset (from the start of the source) of the next byte to take. */
  offset = 0;
  private readonly iterator: Iterator<Uint8Array> | AsyncIterator<Uint8Array>;
  private done = false;

  constructor(source: ByteSource) {
    if (source instanceof Uint8Array) this.iterator = [source][Symbol.iterator]();
    else if (Symbol.asyncIterator in source) this.iterator = source[Symbol.asyncIterator]();
    else this.iterator = source[Symbol.iterator]();
  }

  get available(): number {
    return this.end - this.start;
  }

  /** Reads until `n` bytes are available or the source has ended; gives the bytes available. */
  async ensure(n: number): Promise<number> {
    while (this.available < n && !this.done) {
      const next = await this.iterator.next();
      if (next.done === true) {
        this.done = true;
        break;
      }
      this.append(next.value);
    }
    return this.available;
  }

  private append(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.end + chunk.length > this.buffer.length) {
      const kept = this.available;
      if (kept + chunk.length <= this.buffer.length) this.buffer.copyWithin(0, this.start, this.end);
      else {
        const next = new Uint8Array(Math.max(kept + chunk.length, this.buffer.length * 2));
        next.set(this.buffer.subarray(this.start, this.end));
        this.buffer = next;
      }
      this.start = 0;
      this.end = kept;
    }
    this.buffer.set(chunk, this.end);
    this.end += chunk.length;
  }

  /** The next `n` available bytes, without consuming them (valid until the next ensure). */
  peek(n: number, skip = 0): Uint8Array {
    return this.buffer.subarray(this.start + skip, Math.min(this.end, this.start + skip + n));
  }

  /** Consumes `n` bytes and gives them (valid until the next ensure). */
  take(n: number): Uint8Array {
    const out = this.peek(n);
    this.start += out.length;
    this.offset += out.length;
    return out;
  }
}
