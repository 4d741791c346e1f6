import { readDatasetJson, readDatasetNdjson, type TextSource } from '../formats/dataset-json/index.js';
import { isDomainError } from '../errors.js';
import type { ByteSource } from '../formats/byte-queue.js';
import { FormatError } from '../formats/errors.js';
import { readXpt } from '../formats/xpt/index.js';
import type { SdtmDataset, SdtmRecord } from './dataset.js';
import type { SdtmDomain } from './variables.js';

/** The file formats an SDTM dataset is read from, by file extension. */
export const SDTM_FILE_FORMATS = ['csv', 'xpt', 'json', 'ndjson'] as const;
export type SdtmFileFormat = (typeof SDTM_FILE_FORMATS)[number];

/** The format of a dataset file by its extension (any case), or null for another extension. */
export function sdtmFileFormat(fileName: string): SdtmFileFormat | null {
  const ext = /\.([A-Za-z]+)$/.exec(fileName)?.[1]?.toLowerCase();
  return (SDTM_FILE_FORMATS as readonly string[]).includes(ext ?? '') ? (ext as SdtmFileFormat) : null;
}

/** A cell as the CSV path would have read it: text, numbers in their shortest exact form, missing as ''. */
function field(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 'Y' : 'N';
  return ''; // null and SAS's special missing values
}

/**
 * Reads a dataset from a SAS transport v5 (.xpt) or Dataset-JSON 1.1 (.json, .ndjson) file into the
 * shape a CSV file gives (the variable names as header, each row's values as text), so that the
 * import checks it exactly as it checks CSV. Rows are numbered as a CSV file's lines would be (the
 * first row is line 2). A file that is not of its format, or holds another dataset than `domain`,
 * comes back with that reason as a malformed record, so the import reports it as `FILE:LINE: reason`.
 */
export async function readSdtmDataset(
  domain: SdtmDomain,
  file: string,
  format: Exclude<SdtmFileFormat, 'csv'>,
  source: ByteSource,
): Promise<SdtmDataset> {
  const failed = (line: number, reason: string): SdtmDataset => ({
    domain,
    file,
    header: null,
    records: [],
    malformed: [{ line, reason }],
  });
  let header: string[];
  let rows: readonly (readonly unknown[])[];
  let name: string;
  try {
    if (format === 'xpt') {
      const { datasets } = await readXpt(source);
      if (datasets.length !== 1)
        return failed(1, `holds ${datasets.length} datasets; an SDTM transport file holds one`);
      const [only] = datasets;
      name = only!.dataset.name;
      header = only!.dataset.variables.map((v) => v.name);
      rows = only!.rows;
    } else {
      const text = source as TextSource;
      const { metadata, rows: read } = await (format === 'json'
        ? readDatasetJson(text)
        : readDatasetNdjson(text));
      name = metadata.name;
      header = metadata.columns.map((c) => c.name);
      rows = read;
    }
  } catch (e) {
    if (e instanceof FormatError)
      return failed(e.problem.row === undefined ? 1 : e.problem.row + 1, e.message);
    if (isDomainError(e)) return failed(1, e.message);
    throw e;
  }
  if (name.toUpperCase() !== domain) return failed(1, `holds the dataset ${name}, not ${domain}`);
  const records: SdtmRecord[] = rows.map((row, i) => ({ line: i + 2, fields: row.map(field) }));
  return { domain, file, header, records, malformed: [] };
}
