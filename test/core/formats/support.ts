import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** The CDISC reference files shared by the project (../shared from the repository). */
export const CDISC = new URL('../../../../shared/reference/cdisc/', import.meta.url).pathname;
export const PILOT = join(CDISC, 'cdiscpilot01');
export const DATASET_JSON = join(CDISC, 'dataset-json');

/** Every reference transport file: the CDISC pilot's 15 and the Dataset-JSON examples'. */
export async function referenceXptFiles(): Promise<string[]> {
  const files: string[] = [];
  for (const dir of [PILOT, join(DATASET_JSON, 'sdtm'), join(DATASET_JSON, 'adam')])
    for (const f of (await readdir(dir)).sort()) if (f.endsWith('.xpt')) files.push(join(dir, f));
  return files;
}

/** The Dataset-JSON examples that come with a transport file of the same data. */
export async function datasetJsonExamples(): Promise<{ name: string; json: string; xpt: string }[]> {
  const out: { name: string; json: string; xpt: string }[] = [];
  for (const group of ['sdtm', 'adam'])
    for (const f of (await readdir(join(DATASET_JSON, group))).sort())
      if (f.endsWith('.json'))
        out.push({
          name: `${group}/${f.replace(/\.json$/, '')}`,
          json: join(DATASET_JSON, group, f),
          xpt: join(DATASET_JSON, group, f.replace(/\.json$/, '.xpt')),
        });
  return out;
}

export const bytesOf = async (file: string): Promise<Uint8Array> => new Uint8Array(await readFile(file));

export const RSCRIPT = '/usr/bin/Rscript';

/** The R tests need Rscript with haven and foreign: without it they are skipped, except in CI, where that fails. */
export const haveR = ((): boolean => {
  if (existsSync(RSCRIPT)) return true;
  if (process.env.CI === 'true')
    throw new Error(
      `CI needs ${RSCRIPT} with haven and foreign (apt-get install r-base-core r-cran-haven r-cran-foreign)`,
    );
  console.warn(`No ${RSCRIPT}: the tests against R are skipped`);
  return false;
})();

const run = promisify(execFile);

/** Runs an R script next to the tests with arguments; gives its standard output. */
export async function rscript(script: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(RSCRIPT, ['--vanilla', new URL(script, import.meta.url).pathname, ...args], {
    maxBuffer: 256 * 1024 * 1024,
  });
  return stdout;
}

/** What R printed for one file: per reader, the dimensions and each variable's values as printed. */
export interface RReading {
  rows: number;
  names: string[];
  values: Map<string, string[]>;
  labels?: string[];
}

/** Parses xpt-read.R's output: for each reader (haven, foreign), one RReading per file, in order. */
export function parseRReadings(stdout: string): Map<string, RReading[]> {
  const out = new Map<string, RReading[]>();
  for (const line of stdout.split('\n')) {
    if (line.trim() === '') continue;
    const [reader = '', k = '', kind = '', ...rest] = line.replace(/\t$/, '').split('\t');
    const files = out.get(reader) ?? [];
    out.set(reader, files);
    const i = Number(k) - 1;
    if (kind === 'dims')
      files[i] = { rows: Number(rest[0]), names: (rest[2] ?? '').split(','), values: new Map() };
    else if (kind === 'labels') files[i]!.labels = (rest[0] ?? '').split('|');
    else {
      const values = files[i]!.values.get(kind) ?? [];
      values.push(rest[1] ?? '');
      files[i]!.values.set(kind, values);
    }
  }
  return out;
}

/** Our value as xpt-read.R prints it (strings: hex of the bytes, as given by `bytes`). */
export function asR(
  value: unknown,
  reader: 'haven' | 'foreign',
  bytes: (s: string) => Uint8Array = (s) => new TextEncoder().encode(s),
): string {
  if (typeof value === 'string') return `s:${Buffer.from(bytes(value)).toString('hex')}`;
  if (value === null) return 'NA';
  if (typeof value === 'object') {
    const code = (value as { sasMissing: string }).sasMissing;
    return reader === 'haven' ? `NA(${code.toLowerCase()})` : 'NA';
  }
  if (typeof value === 'number') return String(value);
  throw new Error(`not a transport value: ${typeof value}`);
}

/** Equal as R printed it: same string, or the same double (R prints 17 digits, JavaScript the shortest). */
export const sameAsR = (ours: string, r: string): boolean =>
  ours === r || (!ours.startsWith('s:') && !ours.startsWith('NA') && Number(ours) === Number(r));
