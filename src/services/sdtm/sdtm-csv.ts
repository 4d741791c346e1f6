import { createHash } from 'node:crypto';
import { pipeline, Readable } from 'node:stream';
import { parse, type CsvError } from 'csv-parse';
import type { SdtmDataset, SdtmDomain, SdtmRecord } from '../../core/sdtm/index.js';

/** A source of a CSV file's bytes: a file stream, an HTTP body, chunks or a string in a test. */
export type CsvSource = AsyncIterable<Buffer | string> | Readable;

/** Longest record read: beyond, the line is an error rather than a memory hog. */
const MAX_RECORD_CHARS = 64 * 1024;

/** Line breaks inside a record's fields (a quoted field may span lines). */
function breaks(fields: readonly string[]): number {
  let n = 0;
  for (const f of fields) for (let i = f.indexOf('\n'); i !== -1; i = f.indexOf('\n', i + 1)) n++;
  return n;
}

async function* hashed(source: CsvSource, hash: ReturnType<typeof createHash>): AsyncGenerator<Buffer> {
  for await (const chunk of source as AsyncIterable<Buffer | string>) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    hash.update(bytes);
    yield bytes;
  }
}

/**
 * Reads a dataset's CSV file whole (a study's SDTM datasets fit in memory): the header, each record
 * with the line it starts on (blank lines skipped), records that are not valid CSV with their line
 * and why, and the SHA-256 of the bytes.
 */
export async function readCsvDataset(
  domain: SdtmDomain,
  file: string,
  source: CsvSource,
): Promise<{ dataset: SdtmDataset; sha256: string; rows: number }> {
  const hash = createHash('sha256');
  const malformed: { line: number; reason: string }[] = [];
  const parser = parse({
    bom: true,
    relax_column_count: true,
    max_record_size: MAX_RECORD_CHARS,
    skip_records_with_error: true,
    on_skip: (err: CsvError | undefined) => {
      const line = Number((err as { lines?: number } | undefined)?.lines ?? 0);
      if (!malformed.some((m) => m.line === line))
        malformed.push({ line, reason: `not valid CSV: ${err?.message ?? 'unreadable record'}` });
    },
  });
  let header: string[] | null = null;
  const records: SdtmRecord[] = [];
  let next = 1;
  const chunks = Readable.from(hashed(source, hash), { highWaterMark: 1 });
  for await (const fields of pipeline(chunks, parser, () => undefined) as AsyncIterable<string[]>) {
    // A skipped record moves the count on: start after the last error reported before this record.
    const lastError = malformed.at(-1)?.line ?? 0;
    if (lastError >= next) next = lastError + 1;
    const line = next;
    next += 1 + breaks(fields);
    if (fields.length === 1 && (fields[0] ?? '').trim() === '') continue;
    if (header === null) header = fields;
    else records.push({ line, fields });
  }
  return {
    dataset: { domain, file, header, records, malformed },
    sha256: hash.digest('hex'),
    rows: records.length,
  };
}
