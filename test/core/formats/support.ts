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
