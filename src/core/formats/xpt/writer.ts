import { FormatError } from '../errors.js';
import { ibmProblem, writeIbm } from './ibm-float.js';
import { libraryHeader, memberHeader, RECORD } from './records.js';
import { checkDataset, type CheckedDataset } from './rules.js';
import { isSasMissing, type XptDataset, type XptRow, type XptStamps } from './types.js';

const encoder = new TextEncoder();
const BLANK = 0x20;
/** Chunks of about this many bytes come out of the writers (a whole number of observations). */
const CHUNK_BYTES = 64 * 1024;

/**
 * Encodes one dataset as a SAS transport v5 file, piece by piece: the headers, then observations
 * written into a caller's buffer, then the padding. Holds no rows, so memory does not grow with them.
 */
export class XptEncoder {
  readonly checked: CheckedDataset;
  private rows = 0;
  private readonly scratch = new DataView(new ArrayBuffer(8));
  private readonly scratchBytes = new Uint8Array(this.scratch.buffer);

  /** Checks the metadata (throws a FormatError naming the rule broken). */
  constructor(
    dataset: XptDataset,
    private readonly stamps: XptStamps,
  ) {
    this.checked = checkDataset(dataset);
  }

  get rowLength(): number {
    return this.checked.rowLength;
  }

  /** The library header and the member's headers, up to and including the OBS record. */
  header(): Uint8Array {
    const library = libraryHeader(this.stamps);
    const member = memberHeader(this.checked, this.stamps);
    const out = new Uint8Array(library.length + member.length);
    out.set(library, 0);
    out.set(member, library.length);
    return out;
  }

  /** Writes the next row at `offset` of `out` (rowLength bytes), checking every value against its variable. */
  encodeRow(row: XptRow, out: Uint8Array, offset: number): void {
    const { dataset, variables } = this.checked;
    const number = ++this.rows;
    const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
    if (row.length !== variables.length)
      throw new FormatError(
        { format: 'xpt', rule: 'row-width', dataset: dataset.name, row: number },
        `the row has ${row.length} values; the dataset has ${variables.length} variables`,
      );
    for (let i = 0; i < variables.length; i++) {
      const v = variables[i]!;
      const value = row[i];
      const at = offset + v.position;
      if (v.type === 'char') {
        if (value !== null && value !== undefined && typeof value !== 'string')
          failAt(
            dataset.name,
            v.name,
            number,
            'value-type',
            `a character variable needs a string, not ${describe(value)}`,
          );
        out.fill(BLANK, at, at + v.length);
        if (typeof value === 'string' && value.length > 0) {
          // ASCII, the usual case, byte by byte; anything else through the UTF-8 encoder.
          let k = 0;
          if (value.length <= v.length)
            for (; k < value.length; k++) {
              const c = value.charCodeAt(k);
              if (c >= 0x80) break;
              out[at + k] = c;
            }
          const read =
            k === value.length ? k : encoder.encodeInto(value, out.subarray(at, at + v.length)).read;
          if (read < value.length)
            failAt(
              dataset.name,
              v.name,
              number,
              'char-value-length',
              `the value has ${encoder.encode(value).length} bytes; the variable's length is ${v.length}`,
            );
        }
      } else if (value === null || value === undefined || isSasMissing(value)) {
        out.fill(0, at, at + v.length);
        out[at] = value === null || value === undefined ? 0x2e : value.sasMissing.charCodeAt(0);
      } else if (typeof value === 'number') {
        const problem = ibmProblem(value);
        if (problem !== null) failAt(dataset.name, v.name, number, 'numeric-value', problem);
        if (v.length === 8) writeIbm(view, at, value);
        else {
          // Shorter numerics keep the leading bytes, as SAS truncates them.
          writeIbm(this.scratch, 0, value);
          out.set(this.scratchBytes.subarray(0, v.length), at);
        }
      } else
        failAt(
          dataset.name,
          v.name,
          number,
          'value-type',
          `a numeric variable needs a number or a missing value, not ${describe(value)}`,
        );
    }
  }

  /** The blanks that pad `rows` observations to a whole 80-byte record. */
  trailer(rows: number): Uint8Array {
    const used = (rows * this.checked.rowLength) % RECORD;
    return new Uint8Array(used === 0 ? 0 : RECORD - used).fill(BLANK);
  }
}

/** Throws the error of one value (a function, not a closure per cell: the loop runs for every value). */
function failAt(dataset: string, variable: string, row: number, rule: string, reason: string): never {
  throw new FormatError({ format: 'xpt', rule, dataset, variable, row }, reason);
}

function describe(value: unknown): string {
  if (typeof value === 'string')
    return `the string "${value.length > 20 ? `${value.slice(0, 20)}…` : value}"`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return `the ${typeof value} ${String(value)}`;
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * A SAS transport v5 file of one dataset, streamed: rows in, chunks of bytes out (headers first,
 * then about 64 KB of observations at a time, then the padding). Metadata and values are checked
 * against the transport rules; the first problem throws a FormatError naming dataset, variable,
 * row and rule.
 *
 * @example for await (const chunk of writeXpt({ name: 'DM', variables }, rows, { created })) sink.write(chunk);
 */
export async function* writeXpt(
  dataset: XptDataset,
  rows: Iterable<XptRow> | AsyncIterable<XptRow>,
  stamps: XptStamps,
): AsyncGenerator<Uint8Array> {
  const encoder = new XptEncoder(dataset, stamps);
  yield encoder.header();
  const rowLength = encoder.rowLength;
  const perChunk = Math.max(1, Math.floor(CHUNK_BYTES / rowLength));
  let buffer = new Uint8Array(perChunk * rowLength);
  let filled = 0;
  let count = 0;
  for await (const row of rows) {
    encoder.encodeRow(row, buffer, filled * rowLength);
    filled++;
    count++;
    if (filled === perChunk) {
      yield buffer;
      // A fresh buffer: the consumer may still hold the one just yielded.
      buffer = new Uint8Array(perChunk * rowLength);
      filled = 0;
    }
  }
  if (filled > 0) yield buffer.subarray(0, filled * rowLength);
  const trailer = encoder.trailer(count);
  if (trailer.length > 0) yield trailer;
}

/** writeXpt for rows already in memory, as one byte array (tests, small datasets). */
export async function xptBytes(
  dataset: XptDataset,
  rows: Iterable<XptRow>,
  stamps: XptStamps,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of writeXpt(dataset, rows, stamps)) chunks.push(chunk);
  return concat(chunks);
}

export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
