import { tmpdir } from 'node:os';

/**
 * What the server accepts from the network. Every request body is received whole, within these
 * bounds, before its handler runs: no transaction ever waits on a slow or stalled client.
 */
export interface InputLimits {
  /** Largest JSON or YAML body, in bytes. */
  readonly jsonBytes: number;
  /** Largest file body (the central-lab CSV), in bytes. */
  readonly fileBytes: number;
  /** A file body above this size is spooled to a temporary file rather than kept in memory. */
  readonly spoolAboveBytes: number;
  /** Where spooled bodies go (a private folder is made inside for each, removed after its request). */
  readonly spoolDir: string;
  /** Longest pause between two pieces of a body before the request is answered 408. */
  readonly bodyIdleMs: number;
  /** Longest time to receive a whole body before the request is answered 408. */
  readonly bodyTotalMs: number;
}

export const DEFAULT_INPUT_LIMITS: InputLimits = {
  jsonBytes: 5 * 1024 * 1024,
  fileBytes: 200 * 1024 * 1024,
  spoolAboveBytes: 1024 * 1024,
  spoolDir: tmpdir(),
  bodyIdleMs: 30_000,
  bodyTotalMs: 10 * 60_000,
};

/** Bytes as a reader would say them: 5 MiB, 512 KiB. */
export const sizeText = (bytes: number): string =>
  bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0
    ? `${bytes / (1024 * 1024)} MiB`
    : bytes >= 1024 && bytes % 1024 === 0
      ? `${bytes / 1024} KiB`
      : `${bytes} bytes`;
