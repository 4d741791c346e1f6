import { checkMetadata, problem } from './metadata.js';
import { checkRow } from './writer.js';
import type { DatasetJsonMetadata, DatasetJsonRow } from './types.js';

/** Text from a file, a stream's chunks (bytes in UTF-8, or strings) or a test's string. */
export type TextSource =
  string | Uint8Array | Iterable<Uint8Array | string> | AsyncIterable<Uint8Array | string>;

/** The text of a source, piece by piece (UTF-8 decoded across chunk boundaries, BOM dropped). */
export async function* textOf(source: TextSource): AsyncGenerator<string> {
  if (typeof source === 'string') {
    yield source.replace(/^\uFEFF/, '');
    return;
  }
  const decoder = new TextDecoder('utf-8');
  const chunks = source instanceof Uint8Array ? [source] : source;
  for await (const chunk of chunks) {
    const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    if (text.length > 0) yield text;
  }
  const rest = decoder.decode();
  if (rest.length > 0) yield rest;
}

/** A dataset read whole. */
export interface DatasetJsonData {
  readonly metadata: DatasetJsonMetadata;
  readonly rows: DatasetJsonRow[];
}

function parse(text: string, what: string, dataset?: string, row?: number): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw problem('json', dataset, `${what} is not valid JSON: ${(e as Error).message}`, undefined, row);
  }
}

/**
 * Reads a Dataset-JSON 1.1 file (.json) whole: checks its metadata as the CDISC schema does, every
 * cell against its column's dataType, and the row count against `records`. Throws a FormatError.
 */
export async function readDatasetJson(source: TextSource): Promise<DatasetJsonData> {
  let text = '';
  for await (const piece of textOf(source)) text += piece;
  const value = parse(text.replace(/^\uFEFF/, ''), 'the file');
  const metadata = checkMetadata(value);
  const rows = (value as { rows?: unknown }).rows ?? [];
  if (!Array.isArray(rows)) throw problem('rows', metadata.name, '"rows" must be an array of rows');
  rows.forEach((row, i) => checkRow(metadata, row, i + 1));
  if (rows.length !== metadata.records)
    throw problem(
      'records',
      metadata.name,
      `"records" is ${metadata.records} but the file has ${rows.length} rows`,
    );
  return { metadata, rows: rows as DatasetJsonRow[] };
}

/** What an NDJSON reader meets: the metadata (first line), then each row. */
export type NdjsonEvent =
  | { readonly kind: 'metadata'; readonly metadata: DatasetJsonMetadata }
  | { readonly kind: 'row'; readonly row: DatasetJsonRow };

/**
 * Reads a Dataset-JSON 1.1 NDJSON file (.ndjson) line by line, in memory bounded by the longest line:
 * the metadata from the first line, then each row checked against the columns. The row count is
 * checked against `records` at the end. Throws a FormatError naming the row.
 */
export async function* readDatasetNdjsonEvents(source: TextSource): AsyncGenerator<NdjsonEvent> {
  let metadata: DatasetJsonMetadata | null = null;
  let count = 0;
  let pending = '';
  const line = (text: string): NdjsonEvent | null => {
    const trimmed = text.replace(/\r$/, '');
    if (trimmed.trim() === '') return null;
    if (metadata === null) {
      const value = parse(trimmed, 'the first line (the metadata)');
      if (typeof value === 'object' && value !== null && 'rows' in value)
        throw problem(
          'ndjson',
          undefined,
          'the first line of an NDJSON file holds the metadata, without rows',
        );
      metadata = checkMetadata(value);
      return { kind: 'metadata', metadata };
    }
    count++;
    const row = parse(trimmed, `row ${count}`, metadata.name, count);
    checkRow(metadata, row, count);
    return { kind: 'row', row };
  };
  for await (const piece of textOf(source)) {
    pending += piece;
    let at = pending.indexOf('\n');
    while (at !== -1) {
      const event = line(pending.slice(0, at));
      if (event !== null) yield event;
      pending = pending.slice(at + 1);
      at = pending.indexOf('\n');
    }
  }
  const last = line(pending);
  if (last !== null) yield last;
  const meta = metadata as DatasetJsonMetadata | null;
  if (meta === null)
    throw problem('ndjson', undefined, 'the file is empty: its first line must hold the metadata');
  if (count !== meta.records)
    throw problem('records', meta.name, `"records" is ${meta.records} but the file has ${count} rows`);
}

/** readDatasetNdjsonEvents, collected. */
export async function readDatasetNdjson(source: TextSource): Promise<DatasetJsonData> {
  let metadata: DatasetJsonMetadata | null = null;
  const rows: DatasetJsonRow[] = [];
  for await (const event of readDatasetNdjsonEvents(source)) {
    if (event.kind === 'metadata') metadata = event.metadata;
    else rows.push(event.row);
  }
  return { metadata: metadata!, rows };
}
