import { createHash } from 'node:crypto';
import { readSdtmDataset, sdtmFileFormat, type SdtmDataset, type SdtmDomain } from '../../core/sdtm/index.js';
import { readCsvDataset, type CsvSource } from './sdtm-csv.js';

async function* hashed(source: CsvSource, hash: ReturnType<typeof createHash>): AsyncGenerator<Uint8Array> {
  for await (const chunk of source as AsyncIterable<Buffer | string>) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    hash.update(bytes);
    yield bytes;
  }
}

/**
 * Reads one dataset file by its extension: `.xpt` (SAS transport v5), `.json` or `.ndjson`
 * (Dataset-JSON 1.1), anything else as CSV. Gives the dataset, the SHA-256 of the bytes and its rows.
 */
export async function readDatasetFile(
  domain: SdtmDomain,
  fileName: string,
  source: CsvSource,
): Promise<{ dataset: SdtmDataset; sha256: string; rows: number }> {
  const format = sdtmFileFormat(fileName) ?? 'csv';
  if (format === 'csv') return readCsvDataset(domain, fileName, source);
  const hash = createHash('sha256');
  const bytes = hashed(source, hash);
  // Every reader reads its file to the end when it succeeds, so the hash covers the whole file.
  const dataset = await readSdtmDataset(domain, fileName, format, bytes);
  return { dataset, sha256: hash.digest('hex'), rows: dataset.records.length };
}
