import { FormatError } from '../errors.js';
import { ByteQueue, type ByteSource } from '../byte-queue.js';
import { readIbm } from './ibm-float.js';
import { HEADERS, RECORD } from './records.js';
import type { SasFormat, SasMissingCode, XptDataset, XptStamps, XptValue, XptVariable } from './types.js';

/** A variable as read from a file: its length and place in the observation are always known. */
export interface ReadVariable extends XptVariable {
  readonly length: number;
  readonly position: number;
}

export interface ReadDataset extends XptDataset {
  readonly variables: readonly ReadVariable[];
  readonly created: Date | null;
  readonly modified: Date | null;
}

/** What a reader meets, in file order: the library's stamps once, each dataset, then its rows. */
export type XptEvent =
  | { readonly kind: 'library'; readonly stamps: XptStamps }
  | { readonly kind: 'dataset'; readonly dataset: ReadDataset }
  | { readonly kind: 'row'; readonly row: XptValue[] };

export interface XptReadOptions {
  /** The character encoding of the text (default utf-8; `latin1` or `windows-1252` for older files). */
  readonly encoding?: string;
}

const ascii = new TextDecoder('latin1');
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

const text = (bytes: Uint8Array, from: number, to: number): string => ascii.decode(bytes.subarray(from, to));
const startsWith = (bytes: Uint8Array, prefix: string): boolean => text(bytes, 0, prefix.length) === prefix;

/** Parses SAS's `ddMMMyy:hh:mm:ss` stamp (years 60–99 are 19xx); null if it is not one. */
export function parseSasStamp(s: string): Date | null {
  const m = /^(\d\d)([A-Z]{3})(\d\d):(\d\d):(\d\d):(\d\d)$/.exec(s.trim().toUpperCase());
  if (m === null) return null;
  const month = MONTHS.indexOf(m[2]!);
  if (month === -1) return null;
  const yy = Number(m[3]);
  const year = yy >= 60 ? 1900 + yy : 2000 + yy;
  return new Date(Date.UTC(year, month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6])));
}

function notXpt(reason: string, rule = 'not-xpt'): FormatError {
  return new FormatError({ format: 'xpt', rule }, reason);
}

function formatOf(bytes: Uint8Array, view: DataView, at: number): SasFormat | undefined {
  const name = text(bytes, at, at + 8).trimEnd();
  const width = view.getInt16(at + 8);
  const decimals = view.getInt16(at + 10);
  if (name === '' && width === 0 && decimals === 0) return undefined;
  return { name, ...(width !== 0 ? { width } : {}), ...(decimals !== 0 ? { decimals } : {}) };
}

function readNamestr(bytes: Uint8Array, decode: (b: Uint8Array) => string): ReadVariable {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = view.getInt16(0);
  if (type !== 1 && type !== 2)
    throw notXpt(`a variable's type is ${type}, neither numeric (1) nor character (2)`);
  const name = text(bytes, 8, 16).trimEnd();
  const label = decode(bytes.subarray(16, 56)).trimEnd();
  const format = formatOf(bytes, view, 56);
  const justify = view.getInt16(68);
  const informat = formatOf(bytes, view, 72);
  return {
    name,
    type: type === 1 ? 'num' : 'char',
    length: view.getInt16(4),
    ...(label !== '' ? { label } : {}),
    ...(format !== undefined ? { format } : {}),
    ...(justify === 1 ? { justify: 1 as const } : {}),
    ...(informat !== undefined ? { informat } : {}),
    position: view.getInt32(84),
  };
}

const allBlank = (bytes: Uint8Array): boolean => bytes.every((b) => b === 0x20);

function decodeNumber(bytes: Uint8Array, at: number, length: number): XptValue {
  const first = bytes[at]!;
  if (first === 0x2e || first === 0x5f || (first >= 0x41 && first <= 0x5a)) {
    let rest = true;
    for (let i = 1; i < length && rest; i++) rest = bytes[at + i] === 0;
    if (rest) return first === 0x2e ? null : { sasMissing: String.fromCharCode(first) as SasMissingCode };
  }
  return readIbm(bytes, at, length);
}

/**
 * Reads a SAS transport v5 file as a stream of events (the library's stamps, each dataset's metadata,
 * its rows), holding only the look-ahead the format needs. Character values lose their trailing
 * blanks (they carry no meaning in SAS); `.` reads as null, `.A`–`.Z` and `._` as SasMissing.
 * A file of another kind, or cut short, throws a FormatError.
 */
export async function* readXptEvents(
  source: ByteSource,
  options: XptReadOptions = {},
): AsyncGenerator<XptEvent> {
  const decoder = new TextDecoder(options.encoding ?? 'utf-8');
  const decode = (b: Uint8Array): string => decoder.decode(b);
  const q = new ByteQueue(source);
  if ((await q.ensure(3 * RECORD)) < 3 * RECORD)
    throw notXpt('the file is shorter than the headers of a SAS transport file');
  const first = q.peek(RECORD);
  if (startsWith(first, 'HEADER RECORD*******LIBV8'))
    throw notXpt('this is a SAS transport v8 file; trialdesk reads version 5', 'xpt-version');
  if (!startsWith(first, HEADERS.library))
    throw notXpt('the file does not start with a SAS transport library header');
  q.take(RECORD);
  const real = q.take(RECORD);
  const sasVersion = text(real, 24, 32).trimEnd();
  const os = text(real, 32, 40).trimEnd();
  const created = parseSasStamp(text(real, 64, 80));
  const modified = parseSasStamp(text(q.take(RECORD), 0, 16));
  yield {
    kind: 'library',
    stamps: { created: created ?? new Date(0), ...(modified ? { modified } : {}), sasVersion, os },
  };

  while ((await q.ensure(RECORD)) > 0) {
    if ((await q.ensure(5 * RECORD)) < 5 * RECORD)
      throw notXpt('the file ends inside a member header', 'truncated');
    const member = q.take(RECORD);
    if (!startsWith(member, HEADERS.member)) throw notXpt('a member header was expected');
    const namestrLength = Number(text(member, 74, 78));
    if (namestrLength !== 140 && namestrLength !== 136)
      throw notXpt(`namestr records of ${namestrLength} bytes`);
    if (!startsWith(q.take(RECORD), HEADERS.descriptor))
      throw notXpt('a member descriptor header was expected');
    const descriptor = q.take(RECORD);
    const name = text(descriptor, 8, 16).trimEnd();
    const memberCreated = parseSasStamp(text(descriptor, 64, 80));
    const second = q.take(RECORD);
    const memberModified = parseSasStamp(text(second, 0, 16));
    const label = decode(second.subarray(32, 72)).trimEnd();
    const type = text(second, 72, 80).trimEnd();
    const namestrHeader = q.take(RECORD);
    if (!startsWith(namestrHeader, HEADERS.namestr))
      throw notXpt(`dataset ${name}: a namestr header was expected`);
    const count = Number(text(namestrHeader, 54, 58));
    const namesBytes = Math.ceil((count * namestrLength) / RECORD) * RECORD;
    if ((await q.ensure(namesBytes + RECORD)) < namesBytes + RECORD)
      throw notXpt(`dataset ${name}: the file ends inside the variables' descriptions`, 'truncated');
    const names = q.take(namesBytes).slice();
    const variables: ReadVariable[] = [];
    for (let i = 0; i < count; i++) {
      // VAX/VMS namestrs (136 bytes) lack the last 4 unused bytes: pad them to 140.
      const record = new Uint8Array(140);
      record.set(names.subarray(i * namestrLength, (i + 1) * namestrLength));
      variables.push(readNamestr(record, decode));
    }
    if (!startsWith(q.take(RECORD), HEADERS.obs)) throw notXpt(`dataset ${name}: an OBS header was expected`);
    yield {
      kind: 'dataset',
      dataset: {
        name,
        ...(label !== '' ? { label } : {}),
        ...(type !== '' ? { type } : {}),
        variables,
        created: memberCreated,
        modified: memberModified,
      },
    };
    yield* rowsOf(q, variables, decode, name);
  }
}

async function* rowsOf(
  q: ByteQueue,
  variables: readonly ReadVariable[],
  decode: (b: Uint8Array) => string,
  name: string,
): AsyncGenerator<XptEvent> {
  const rowLength = variables.reduce((n, v) => Math.max(n, v.position + v.length), 0);
  for (;;) {
    // The data end at the end of the file or at the next member header, both on an 80-byte boundary,
    // after blanks that pad the last record. An all-blank last row is therefore indistinguishable
    // from padding: the format's own ambiguity, resolved as SAS and ReadStat do.
    const gap = (RECORD - (q.offset % RECORD)) % RECORD;
    const available = await q.ensure(Math.max(rowLength, gap + RECORD));
    if (available === 0) return;
    if (allBlank(q.peek(gap))) {
      if (available <= gap) {
        q.take(available);
        return;
      }
      if (startsWith(q.peek(RECORD, gap), HEADERS.member)) {
        q.take(gap);
        return;
      }
    }
    if (available < rowLength) {
      if (allBlank(q.peek(available))) {
        q.take(available);
        return;
      }
      throw notXpt(`dataset ${name}: the file ends inside an observation`, 'truncated');
    }
    const bytes = q.take(rowLength);
    const row: XptValue[] = new Array<XptValue>(variables.length);
    for (let i = 0; i < variables.length; i++) {
      const v = variables[i]!;
      if (v.type === 'char') {
        let end = v.position + v.length;
        // Trailing blanks (and the NULs some writers pad with) carry no meaning in SAS.
        while (end > v.position && (bytes[end - 1] === 0x20 || bytes[end - 1] === 0)) end--;
        row[i] = decode(bytes.subarray(v.position, end));
      } else row[i] = decodeNumber(bytes, v.position, v.length);
    }
    yield { kind: 'row', row };
  }
}

/** A dataset read whole: its metadata and rows. */
export interface XptData {
  readonly dataset: ReadDataset;
  readonly rows: XptValue[][];
}

/** Reads a whole transport file into memory: the library's stamps and every dataset with its rows. */
export async function readXpt(
  source: ByteSource,
  options: XptReadOptions = {},
): Promise<{ stamps: XptStamps; datasets: XptData[] }> {
  let stamps: XptStamps = { created: new Date(0) };
  const datasets: XptData[] = [];
  for await (const event of readXptEvents(source, options)) {
    if (event.kind === 'library') stamps = event.stamps;
    else if (event.kind === 'dataset') datasets.push({ dataset: event.dataset, rows: [] });
    else datasets.at(-1)?.rows.push(event.row);
  }
  return { stamps, datasets };
}
