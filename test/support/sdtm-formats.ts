import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import {
  datasetJsonText,
  type Column,
  type DatasetJsonRow,
} from '../../src/core/formats/dataset-json/index.js';
import { xptBytes, type XptRow, type XptVariable } from '../../src/core/formats/xpt/index.js';
import { fileOf, SDTM_DOMAINS, type SdtmDomain } from '../../src/core/sdtm/index.js';

/** The CSV SDTM fixture, converted to the other formats by our writers for the import tests. */
export const FIXTURE = new URL('../fixtures/sdtm/celgosivir-small/', import.meta.url);
/** The fixture's numeric SDTM variables: numbers in the transport files, as a sponsor's SAS writes them. */
const NUMERIC = new Set(['AGE', 'AESEQ', 'DSSEQ', 'EXSEQ', 'LBSEQ', 'LBSTRESN', 'LBLLOQ', 'VISITNUM']);

export interface Table {
  readonly header: string[];
  readonly rows: string[][];
}
export const TABLES = new Map<SdtmDomain, Table>();
for (const d of SDTM_DOMAINS) {
  let text: string;
  try {
    text = readFileSync(new URL(fileOf(d), FIXTURE), 'utf8');
  } catch {
    continue;
  }
  const records: string[][] = parse(text, { skip_empty_lines: true });
  const [header = [], ...rows] = records;
  TABLES.set(d, { header, rows });
}

const cell = (name: string, v: string): number | string | null =>
  NUMERIC.has(name) ? (v === '' ? null : Number(v)) : v;
const byteLength = (s: string): number => Buffer.byteLength(s, 'utf8');

/** A fixture dataset as a SAS transport v5 file, written by our writer. */
export async function asXpt(domain: SdtmDomain, t: Table): Promise<Uint8Array> {
  const variables: XptVariable[] = t.header.map((name, j) =>
    NUMERIC.has(name)
      ? { name, type: 'num' }
      : { name, type: 'char', length: Math.max(1, ...t.rows.map((r) => byteLength(r[j] ?? ''))) },
  );
  const rows: XptRow[] = t.rows.map((r) => r.map((v, j) => cell(t.header[j]!, v)));
  return xptBytes({ name: domain, label: domain, variables }, rows, {
    created: new Date(Date.UTC(2026, 11, 2)),
  });
}

/** A fixture dataset as Dataset-JSON 1.1, written by our writer. */
export async function asJson(domain: SdtmDomain, t: Table, format: 'json' | 'ndjson'): Promise<string> {
  const columns: Column[] = t.header.map((name) => ({
    itemOID: `IT.${domain}.${name}`,
    name,
    label: name,
    dataType: NUMERIC.has(name) ? (name.endsWith('SEQ') || name === 'AGE' ? 'integer' : 'double') : 'string',
  }));
  const rows: DatasetJsonRow[] = t.rows.map((r) => r.map((v, j) => cell(t.header[j]!, v)));
  const metadata = {
    datasetJSONCreationDateTime: '2026-12-02T09:40:00',
    datasetJSONVersion: '1.1.0',
    itemGroupOID: `IG.${domain}`,
    records: rows.length,
    name: domain,
    label: domain,
    columns,
  };
  return datasetJsonText(metadata, rows, format);
}
