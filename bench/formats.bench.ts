import { writeDatasetJson, type DatasetJsonRow } from '../src/core/formats/dataset-json/index.js';
import { writeXpt, type XptRow } from '../src/core/formats/xpt/index.js';

/**
 * The format writers alone, without the database: an LB-like dataset (19 variables, as SDTM's LB for
 * HCV RNA) of `rows` rows generated on the fly, written as SAS transport v5 and as Dataset-JSON NDJSON
 * into a sink that only counts bytes. Gives rows/s, MB/s and the peak RSS seen (sampled per chunk).
 * Run alone: `npx tsx bench/formats.bench.ts [rows]` (default 120,000: 10,000 subjects × 12 visits).
 */
const CHAR = [
  ['STUDYID', 12],
  ['DOMAIN', 2],
  ['USUBJID', 24],
  ['LBTESTCD', 8],
  ['LBTEST', 40],
  ['LBCAT', 20],
  ['LBORRES', 20],
  ['LBORRESU', 10],
  ['LBSTRESC', 20],
  ['LBSTRESU', 10],
  ['LBMETHOD', 40],
  ['LBBLFL', 1],
  ['VISIT', 20],
  ['EPOCH', 20],
  ['LBDTC', 19],
] as const;
const NUM = ['LBSEQ', 'LBSTRESN', 'LBLLOQ', 'VISITNUM'] as const;

function* lbRows(rows: number): Generator<(string | number | null)[]> {
  for (let i = 0; i < rows; i++) {
    const subject = Math.floor(i / 12);
    const visit = i % 12;
    const value = Math.round(10 ** (6.5 - visit * 0.3 + (subject % 7) * 0.05));
    yield [
      'MX3253-201',
      'LB',
      `MX3253-201-${String(100000 + subject)}`,
      'HCVRNA',
      'HCV RNA',
      'VIROLOGY',
      String(value),
      'IU/mL',
      String(value),
      'IU/mL',
      'QUANTITATIVE PCR (COBAS TAQMAN)',
      visit === 1 ? 'Y' : '',
      `WEEK ${visit}`,
      'TREATMENT',
      `2006-0${1 + (visit % 9)}-1${visit % 10}T09:15`,
      visit + 1,
      value,
      15,
      visit + 1,
    ];
  }
}

export interface FormatBench {
  readonly format: string;
  readonly rows: number;
  readonly ms: number;
  readonly megabytes: number;
  readonly peakRssMb: number;
}

async function measure(
  format: string,
  rows: number,
  chunks: AsyncIterable<Uint8Array | string>,
): Promise<FormatBench> {
  let bytes = 0;
  let peak = process.memoryUsage.rss();
  const start = performance.now();
  let n = 0;
  for await (const chunk of chunks) {
    bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    if (++n % 16 === 0) peak = Math.max(peak, process.memoryUsage.rss());
  }
  const ms = performance.now() - start;
  return {
    format,
    rows,
    ms,
    megabytes: bytes / 1e6,
    peakRssMb: Math.max(peak, process.memoryUsage.rss()) / 1e6,
  };
}

export async function benchFormats(rows: number): Promise<FormatBench[]> {
  const variables = [
    ...CHAR.map(([name, length]) => ({ name, type: 'char' as const, length })),
    ...NUM.map((name) => ({ name, type: 'num' as const })),
  ];
  const xpt = await measure(
    'xpt',
    rows,
    writeXpt({ name: 'LB', label: 'Laboratory Test Results', variables }, lbRows(rows) as Iterable<XptRow>, {
      created: new Date(),
    }),
  );
  const columns = variables.map((v) => ({
    itemOID: `IT.LB.${v.name}`,
    name: v.name,
    label: v.name,
    dataType: v.type === 'char' ? ('string' as const) : ('double' as const),
    ...(v.type === 'char' ? { length: v.length } : {}),
  }));
  const metadata = {
    datasetJSONCreationDateTime: new Date().toISOString().slice(0, 19),
    datasetJSONVersion: '1.1.0',
    itemGroupOID: 'IG.LB',
    records: rows,
    name: 'LB',
    label: 'Laboratory Test Results',
    columns,
  };
  const ndjson = await measure(
    'ndjson',
    rows,
    writeDatasetJson(metadata, lbRows(rows) as Iterable<DatasetJsonRow>, 'ndjson'),
  );
  return [xpt, ndjson];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = Number(process.argv[2] ?? 120_000);
  for (const r of await benchFormats(rows))
    console.log(
      `${r.format.padEnd(7)} ${r.rows} rows in ${r.ms.toFixed(0)} ms: ${Math.round(r.rows / (r.ms / 1000))} rows/s, ` +
        `${(r.megabytes / (r.ms / 1000)).toFixed(1)} MB/s (${r.megabytes.toFixed(1)} MB), peak RSS ${r.peakRssMb.toFixed(0)} MB`,
    );
}
