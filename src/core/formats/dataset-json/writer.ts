import { cellProblem } from './cells.js';
import { checkMetadata, problem } from './metadata.js';
import type { DatasetJsonMetadata, DatasetJsonRow } from './types.js';

export type DatasetJsonFormat = 'json' | 'ndjson';

/** Rows are joined into pieces of about this many characters before they are given out. */
const CHUNK_CHARS = 64 * 1024;

/** Checks a row against the columns; throws a FormatError naming the dataset, column, row and reason. */
export function checkRow(
  metadata: DatasetJsonMetadata,
  row: unknown,
  number: number,
): asserts row is DatasetJsonRow {
  const { columns, name } = metadata;
  if (!Array.isArray(row))
    throw problem('row', name, `row ${number} must be an array of cells`, undefined, number);
  if (row.length !== columns.length)
    throw problem(
      'row-width',
      name,
      `the row has ${row.length} cells; the dataset has ${columns.length} columns`,
      undefined,
      number,
    );
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i]!;
    const why = cellProblem(column, row[i]);
    if (why !== null) throw problem('cell-type', name, why, column.name, number);
  }
}

/**
 * A dataset as Dataset-JSON 1.1, streamed: metadata and rows in, text out in pieces (JSON: one object
 * with `rows` last; NDJSON: the metadata on the first line, then a row per line). The metadata is
 * checked first and every cell against its column's dataType before it is written; `records` must
 * be given up front and is checked against the rows at the end. Problems throw a FormatError.
 * The output is compact JSON with members in the CDISC examples' order.
 */
export async function* writeDatasetJson(
  metadata: DatasetJsonMetadata,
  rows: Iterable<DatasetJsonRow> | AsyncIterable<DatasetJsonRow>,
  format: DatasetJsonFormat = 'json',
): AsyncGenerator<string> {
  const meta = checkMetadata(metadata);
  const head = JSON.stringify(meta);
  let piece = format === 'json' ? `${head.slice(0, -1)},"rows":[` : `${head}\n`;
  let count = 0;
  for await (const row of rows) {
    count++;
    checkRow(meta, row, count);
    const text = JSON.stringify(row);
    piece += format === 'json' ? (count === 1 ? text : `,${text}`) : `${text}\n`;
    if (piece.length >= CHUNK_CHARS) {
      yield piece;
      piece = '';
    }
  }
  if (count !== meta.records)
    throw problem(
      'records',
      meta.name,
      `the metadata announces ${meta.records} records but ${count} rows were written`,
    );
  if (format === 'json') piece += ']}';
  if (piece.length > 0) yield piece;
}

/** writeDatasetJson into one string (tests, small datasets). */
export async function datasetJsonText(
  metadata: DatasetJsonMetadata,
  rows: Iterable<DatasetJsonRow>,
  format: DatasetJsonFormat = 'json',
): Promise<string> {
  let out = '';
  for await (const piece of writeDatasetJson(metadata, rows, format)) out += piece;
  return out;
}
