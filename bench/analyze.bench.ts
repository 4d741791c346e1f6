import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyze, syntheticStudy } from '../src/core/analysis/index.js';
import { parseProtocol } from '../src/core/protocol/parse.js';
import { createServices } from '../src/services/index.js';
import { hashPassword } from '../src/services/auth/password.js';
import { SYSTEM_ACTOR } from '../src/services/caller.js';
import { openDatabase } from '../src/store/database.js';
import { Store } from '../src/store/store.js';
import { seedUser } from '../test/support/fixtures.js';
import { benchProtocol, loadIntoDatabase, writeCsvFiles } from './analyze-fixture.js';
import { freshPgDatabase, timedChild, type ChildRun } from './support.js';

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const R_SCRIPT = fileURLToPath(new URL('./analyze.R', import.meta.url));
const PASSWORD = 'bench password 123';
const SEED = 20_060_109;
const ROUNDS = 3;
/**
 * Figures agree to this relative difference: stricter than "6 decimals", and it still checks p-values
 * of 1e-80 (R and the stats core agree to about 1e-12 there).
 */
const TOLERANCE = 1e-9;

export interface AnalyzeBenchResult {
  readonly engine: 'postgres';
  /** Randomized subjects (about 10% more are screened). */
  readonly subjects: number;
  readonly screened: number;
  /** Visits of the protocol. */
  readonly visits: number;
  readonly visitRecords: number;
  readonly results: number;
  readonly adverseEvents: number;
  readonly rounds: number;
  /** `trialdesk analyze --json --out F` as a child process, start to exit: median of the rounds. */
  readonly oursMs: number;
  readonly oursPeakMb: number;
  readonly oursCpuMs: number;
  /** The same CLI signing in and listing studies: its fixed cost (start-up, migrations check, sign-in). */
  readonly oursStartupMs: number;
  /** `analyze()` alone, in this process, on the same input in memory. */
  readonly inProcessMs: number;
  /** `Rscript bench/analyze.R DIR OUT.json`, start to exit: median of the rounds. */
  readonly rMs: number;
  readonly rPeakMb: number;
  readonly rCpuMs: number;
  /** `Rscript -e 0`: R's own start-up. */
  readonly rStartupMs: number;
  /** R's time over ours: above 1, ours is faster. */
  readonly ratio: number;
  /** R's CPU time over ours. */
  readonly cpuRatio: number;
  /** Numbers of R's output found equal in ours (within TOLERANCE); its labels must match exactly. */
  readonly figuresCompared: number;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? Number.NaN) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};

const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * Compares `actual` with `expected` leaf by leaf: numbers within `tolerance` × |expected|,
 * everything else exactly, arrays of the same length in the same order. With `expectedKeysOnly`,
 * keys only `actual` has are not compared (R computes the figures, not the labels and texts).
 * Returns how many numbers were compared and the first mismatches (path: expected vs actual).
 */
export function compareFigures(
  expected: unknown,
  actual: unknown,
  tolerance: number,
  expectedKeysOnly: boolean,
): { figures: number; mismatches: string[] } {
  const mismatches: string[] = [];
  let figures = 0;
  const walk = (e: unknown, a: unknown, path: string): void => {
    if (mismatches.length >= 20) return;
    const differ = () => mismatches.push(`${path}: ${JSON.stringify(e)} vs ${JSON.stringify(a)}`);
    if (Array.isArray(e)) {
      if (!Array.isArray(a) || a.length !== e.length) return void differ();
      e.forEach((x, i) => walk(x, a[i], `${path}[${i}]`));
    } else if (isObject(e)) {
      if (!isObject(a)) return void differ();
      const keys = new Set([...Object.keys(e), ...(expectedKeysOnly ? [] : Object.keys(a))]);
      for (const k of keys) walk(e[k], a[k], `${path}.${k}`);
    } else {
      const numbers = typeof e === 'number' && typeof a === 'number';
      if (numbers) figures += 1;
      const close = numbers ? Math.abs(e - a) <= tolerance * Math.abs(e) : e === a;
      if (!close) differ();
    }
  };
  walk(expected, actual, '$');
  return { figures, mismatches };
}

const failWith = (what: string, mismatches: readonly string[]): never => {
  throw new Error(`${what}:\n  ${mismatches.join('\n  ')}`);
};

/**
 * `trialdesk analyze` on a fresh PostgreSQL database holding a synthetic study of `subjects`
 * randomized subjects and 12 visits, against `Rscript bench/analyze.R` computing the same tables from
 * CSV files of the same data: alternating, `ROUNDS` rounds each, medians. Fails when the CLI's output
 * differs from `analyze()` on the input in memory (the fixture would not be what the loader reads) or
 * when a figure of R's output differs from ours.
 */
export async function benchAnalyze(subjects: number): Promise<AnalyzeBenchResult | { skipped: string }> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run bench\`, which builds first`);
  if (spawnSync('Rscript', ['--version']).status !== 0) return { skipped: 'Rscript is not installed' };
  const target = await freshPgDatabase('analyze');
  if (!target) return { skipped: 'no PostgreSQL server reachable' };
  const dir = await mkdtemp(join(tmpdir(), 'trialdesk-bench-analyze-'));
  const database = await openDatabase({ url: target.url, poolSize: 4 });
  try {
    const store = new Store(database);
    const services = createServices(store, { sessionHours: 1, lockoutAttempts: 5, lockoutMinutes: 15 });
    const code = `bench-analyze-${Date.now()}`;
    const source = benchProtocol(code);
    const protocol = parseProtocol(source, 'bench.yaml');
    const study = await services.studies.createAs(SYSTEM_ACTOR, { source, fileName: 'bench.yaml' });
    const hash = await hashPassword(PASSWORD);
    const statistician = `bench-statistician-${Date.now()}`;
    await seedUser(store, statistician, hash, [{ role: 'unblinded_statistician', studyId: study.id }]);
    const enteredBy = await seedUser(store, `bench-entry-${Date.now()}`, hash, [
      { role: 'data_manager', studyId: study.id },
    ]);

    const input = syntheticStudy(protocol, { subjects, seed: SEED });
    await loadIntoDatabase(database.db, protocol, study.id, input, enteredBy);
    await writeCsvFiles(dir, protocol, input);
    const started = performance.now();
    const expected = JSON.parse(JSON.stringify(analyze(input))) as unknown;
    const inProcessMs = performance.now() - started;

    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      DATABASE_URL: target.url,
      TRIALDESK_USER: statistician,
      TRIALDESK_PASSWORD: PASSWORD,
      TRIALDESK_LOG_LEVEL: 'silent',
      TRIALDESK_LOAD_REFERENCE: 'false',
    };
    const oursOut = join(dir, 'ours.json');
    const rOut = join(dir, 'r.json');
    const ours = () =>
      timedChild(
        process.execPath,
        [CLI, 'analyze', '--study', code, '--data-cut', input.dataCut, '--json', '--out', oursOut],
        env,
      );
    const r = () => timedChild('Rscript', [R_SCRIPT, dir, rOut], env);
    const checked = (run: ChildRun, what: string): ChildRun => {
      if (run.code !== 0)
        throw new Error(`${what} failed (${run.code}): ${run.stdout}${run.stderr.slice(0, 4000)}`);
      return run;
    };
    const oursRuns: ChildRun[] = [];
    const rRuns: ChildRun[] = [];
    const oursStartup: number[] = [];
    const rStartup: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const pair = [
        async () => oursRuns.push(checked(await ours(), 'trialdesk analyze')),
        async () => rRuns.push(checked(await r(), 'Rscript bench/analyze.R')),
      ];
      for (const run of round % 2 === 0 ? pair : pair.reverse()) await run();
      oursStartup.push(
        checked(await timedChild(process.execPath, [CLI, 'study', 'list', '--json'], env), 'study list').ms,
      );
      rStartup.push(checked(await timedChild('Rscript', ['-e', '0'], env), 'Rscript -e 0').ms);
    }

    const oursJson = JSON.parse(await readFile(oursOut, 'utf8')) as unknown;
    const fixture = compareFigures(expected, oursJson, 0, false);
    if (fixture.mismatches.length > 0)
      failWith('the CLI on the database and analyze() on the input in memory differ', fixture.mismatches);
    const { engine: _engine, ...rJson } = JSON.parse(await readFile(rOut, 'utf8')) as Record<string, unknown>;
    const agreement = compareFigures(rJson, oursJson, TOLERANCE, true);
    if (agreement.mismatches.length > 0) failWith('R and trialdesk disagree', agreement.mismatches);

    const oursMs = median(oursRuns.map((x) => x.ms));
    const rMs = median(rRuns.map((x) => x.ms));
    return {
      engine: 'postgres',
      subjects: input.subjects.filter((s) => s.randomization).length,
      screened: input.subjects.length,
      visits: protocol.visits.length,
      visitRecords: input.visits.length,
      results: input.results.length,
      adverseEvents: input.adverseEvents.length,
      rounds: ROUNDS,
      oursMs,
      oursPeakMb: median(oursRuns.map((x) => x.peakMb)),
      oursCpuMs: median(oursRuns.map((x) => x.cpuMs)),
      oursStartupMs: median(oursStartup),
      inProcessMs,
      rMs,
      rPeakMb: median(rRuns.map((x) => x.peakMb)),
      rCpuMs: median(rRuns.map((x) => x.cpuMs)),
      rStartupMs: median(rStartup),
      ratio: rMs / oursMs,
      cpuRatio: median(rRuns.map((x) => x.cpuMs)) / median(oursRuns.map((x) => x.cpuMs)),
      figuresCompared: agreement.figures,
    };
  } finally {
    await database.close();
    await target.drop();
    await rm(dir, { recursive: true, force: true });
  }
}
