import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { AnalysisResult, EndpointResult } from '../../core/analysis/index.js';
import { todayUtc } from '../../core/capture/dates.js';
import { analysisQuerySchema } from '../../services/analysis/analysis.schemas.js';
import { json } from '../format.js';
import { parseInput } from '../input.js';
import { usageError, type CliIo } from '../io.js';
import { studyRef, withCaller, type CredentialOptions } from '../session.js';

type AnalysisOptions = CredentialOptions & { study: string; dataCut?: string; out?: string };

const USER_HELP = 'sign in as (env TRIALDESK_USER; password from TRIALDESK_PASSWORD or a prompt)';
const DATA_CUT_HELP = 'leave out data dated after this day (default: today, UTC)';

/** The data cut as the user gave it, checked with the API's own schema; today (UTC) when not given. */
function dataCutOf(opts: AnalysisOptions): string {
  const query = parseInput(analysisQuerySchema, { dataCut: opts.dataCut }, { dataCut: '--data-cut' });
  return query.dataCut ?? todayUtc();
}

/** Writes a file named on the command line, relative to the working directory. */
async function writeOut(io: CliIo, file: string, text: string): Promise<void> {
  try {
    await writeFile(resolve(io.cwd, file), text, 'utf8');
  } catch (e) {
    throw usageError(`Cannot write ${file}: ${(e as Error).message}`);
  }
}

const decimals = (x: number | null, digits = 2): string => (x === null ? 'n/a' : x.toFixed(digits));
const percent = (x: number | null): string => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);
const pValue = (p: number | null): string => (p === null ? 'n/a' : p < 0.001 ? '<0.001' : p.toFixed(3));
const interval = (lower: number | null, upper: number | null, show: (x: number | null) => string): string =>
  lower === null || upper === null ? 'n/a' : `${show(lower)} to ${show(upper)}`;
/** What follows a row: the small-group flag, and why a statistic is missing. */
const notes = (row: { reason: string | null; insufficient: { text: string } | null }): string =>
  [row.insufficient?.text, row.reason]
    .filter((x) => x)
    .map((x) => `  [${x}]`)
    .join('');

/** One endpoint of one analysis set: a line per arm, then a line per comparison with the control. */
function endpointLines(e: EndpointResult, width: number): string[] {
  const lines: string[] = [];
  const vs = (arm: string, control: string) => `${arm} vs ${control}`.padEnd(width);
  if (e.kind === 'change-from-baseline') {
    lines.push(`  ${e.code}: ${e.label} (${e.unit})`);
    for (const a of e.arms)
      lines.push(
        `    ${a.arm.padEnd(width)}  n ${a.n} of ${a.inPopulation}` +
          `${a.imputed > 0 ? ` (${a.imputed} below LLOQ)` : ''}  mean ${decimals(a.mean)}` +
          `  95% CI ${interval(a.lower, a.upper, decimals)}${notes(a)}`,
      );
    for (const c of e.comparisons)
      lines.push(
        `    ${vs(c.arm, c.control)}  difference ${decimals(c.difference)}` +
          `  95% CI ${interval(c.lower, c.upper, decimals)}  p ${pValue(c.pValue)} (Welch)${notes(c)}`,
      );
  } else {
    lines.push(`  ${e.code}: ${e.label}`);
    for (const a of e.arms)
      lines.push(
        `    ${a.arm.padEnd(width)}  ${a.responders} of ${a.denominator} (${percent(a.rate)})` +
          `  95% CI ${interval(a.lower, a.upper, percent)}${notes(a)}`,
      );
    for (const c of e.comparisons)
      lines.push(
        `    ${vs(c.arm, c.control)}  difference ${percent(c.difference)}` +
          `  95% CI ${interval(c.lower, c.upper, percent)}  p ${pValue(c.pValue)} (Fisher)${notes(c)}`,
      );
  }
  return lines;
}

/**
 * A short summary for a person: who was screened and randomized, then the primary endpoints (all
 * endpoints when none is primary) per subset, population and arm, with the comparisons to the control.
 */
export function analysisSummary(result: AnalysisResult): string {
  const { consort } = result.disposition;
  const width = Math.max(...result.arms.map((a) => a.code.length), 0) * 2 + 4;
  const lines = [
    `${result.study.code} (protocol version ${result.study.protocolVersion}), data cut ${result.dataCut}`,
    `Screened ${consort.screened}: ${consort.screenFailures} screen failure(s), ` +
      `${consort.eligibleNotRandomized} eligible not randomized, ${consort.randomized} randomized ` +
      `(${consort.arms.map((a) => `${a.arm} ${a.allocated}`).join(', ')})`,
  ];
  for (const set of result.efficacy) {
    const primary = set.endpoints.filter((e) => e.primary);
    lines.push('', `${set.subset.label}: ${set.population.label}`);
    for (const e of primary.length > 0 ? primary : set.endpoints) lines.push(...endpointLines(e, width));
  }
  lines.push('', 'Every table is in --json; `trialdesk report` writes the report with figures.');
  return `${lines.join('\n')}\n`;
}

export function analysisCommands(
  program: Command,
  io: CliIo,
  run: (work: () => Promise<number>) => void,
): void {
  program
    .command('analyze')
    .description(
      'The top-line analysis of a study on the live database (unblinded statistician): prints a summary ' +
        'of the primary endpoints per population and arm, or with --json every table as JSON following ' +
        'schemas/analysis.v1.schema.json',
    )
    .requiredOption('--study <code-or-id>', 'the study')
    .option('--data-cut <YYYY-MM-DD>', DATA_CUT_HELP)
    .option('--json', 'print the analysis as JSON (to --out when given)')
    .option('--out <file>', 'write the JSON to this file')
    .option('--user <name>', USER_HELP)
    .action((opts: AnalysisOptions & { json?: boolean }) =>
      run(async () => {
        const dataCut = dataCutOf(opts);
        const result = await withCaller(io, opts, async (rt, caller) =>
          rt.services.analysis.analyze(caller, (await studyRef(rt, caller, opts.study)).id, { dataCut }),
        );
        for (const w of result.warnings) io.err(`WARNING  ${w}\n`);
        if (opts.out) await writeOut(io, opts.out, json(result));
        if (!opts.json) io.out(analysisSummary(result));
        else if (!opts.out) io.out(json(result));
        if (opts.out) io.out(`Wrote the analysis of ${opts.study} at data cut ${dataCut} to ${opts.out}\n`);
        return 0;
      }),
    );

  program
    .command('report')
    .description(
      'Write the top-line report of a study (unblinded statistician): one HTML page with every table and ' +
        'SVG figure, made to print to PDF',
    )
    .requiredOption('--study <code-or-id>', 'the study')
    .requiredOption('--out <file>', 'the HTML file to write, e.g. report.html')
    .option('--data-cut <YYYY-MM-DD>', DATA_CUT_HELP)
    .option('--user <name>', USER_HELP)
    .action((opts: AnalysisOptions & { out: string }) =>
      run(async () => {
        const dataCut = dataCutOf(opts);
        const html = await withCaller(io, opts, async (rt, caller) =>
          rt.services.analysis.report(caller, (await studyRef(rt, caller, opts.study)).id, { dataCut }),
        );
        await writeOut(io, opts.out, html);
        io.out(`Wrote the report of ${opts.study} at data cut ${dataCut} to ${opts.out}\n`);
        return 0;
      }),
    );
}
