import type { Command } from 'commander';
import { DomainError } from '../../core/errors.js';
import { loadConfig } from '../../config.js';
import { DEFAULT_SEED, replay, type ReplayResult } from '../../replay/replay.js';
import { SCENARIO } from '../../replay/scenario.js';
import { bootstrap, openRuntime } from '../../runtime.js';
import { buildServer } from '../../server/app.js';
import { VERSION } from '../../version.js';
import { json } from '../format.js';
import { EXIT, usageError, type CliIo } from '../io.js';
import { readPassword } from '../session.js';

interface ReplayOptions {
  readonly url?: string;
  readonly seed: string;
  readonly user?: string;
  readonly json?: boolean;
}

/** Published and reproduced figures side by side, one line each, with a verdict. */
function table(result: ReplayResult): string {
  const rows = result.checks.map((c) => [c.name, c.expected, c.actual, c.ok ? 'ok' : 'DIFFERS']);
  const header = ['figure', 'published', 'reproduced', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    `${cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd()}\n`;
  return [
    line(header),
    line(widths.map((w, i) => (header[i] === '' ? '' : '-'.repeat(w)))),
    ...rows.map(line),
  ].join('');
}

/** What `trialdesk replay` prints at the end: the study, the attempts, and the figures side by side. */
export function formatReplay(result: ReplayResult): string {
  const failed = result.checks.filter((c) => !c.ok).length;
  const abandoned = result.abandoned.map(
    (a) => `  attempt given up: ${a.studyCode} (allocation ${a.allocation}: ${a.reason}; locked)\n`,
  );
  return (
    `study ${result.studyCode} (${result.studyId}), ${result.attempts} attempt(s)\n` +
    abandoned.join('') +
    `  screened ${result.screened} (${result.screenFailures} screen failures); randomized by the service: ` +
    `${result.allocation} (TRIPLE/DOUBLE/CONTROL)\n` +
    `  data cut ${result.dataCut}; edit-check queries opened: ${result.queriesOpened}\n\n` +
    table(result) +
    (failed === 0
      ? `\nall ${result.checks.length} figures reproduced\n`
      : `\n${failed} of ${result.checks.length} figures differ\n`)
  );
}

export function replayCommands(
  program: Command,
  io: CliIo,
  run: (work: () => Promise<number>) => void,
): void {
  program
    .command('replay')
    .description(
      'Replay the reference trial through the HTTP API as its sites would (screening, randomization by the ' +
        'service, every visit, result, adverse event, disposition and extension election), then compare the ' +
        'analysis with the published figures; exits 1 if any differs',
    )
    .argument('<scenario>', `the trial to replay: ${SCENARIO}`)
    .option(
      '--url <url>',
      'a running trialdesk server (default: one started here on the configured database)',
    )
    .option(
      '--seed <n>',
      'seed of the generated data (the arms always come from the service)',
      String(DEFAULT_SEED),
    )
    .option(
      '--user <name>',
      'the administrator to sign in as (env TRIALDESK_USER; password TRIALDESK_PASSWORD)',
    )
    .option('--json', 'print the result, with the analysis, as JSON')
    .action((scenario: string, opts: ReplayOptions) =>
      run(async () => {
        if (scenario !== SCENARIO)
          throw usageError(`Unknown scenario "${scenario}": the replay knows ${SCENARIO}`);
        if (!/^-?\d{1,15}$/.test(opts.seed))
          throw usageError(`--seed must be a whole number, not "${opts.seed}"`);
        const username = opts.user ?? io.env.TRIALDESK_USER;
        if (!username)
          throw new DomainError(
            'unauthenticated',
            'Say which administrator runs the replay: --user NAME or TRIALDESK_USER (password from TRIALDESK_PASSWORD or a prompt)',
          );
        const password = await readPassword(io, `Password for ${username}: `);
        // Progress goes to standard error with --json, so standard output is the JSON alone.
        const log = (line: string): void => (opts.json ? io.err(`${line}\n`) : io.out(`${line}\n`));
        const go = (url: string): Promise<ReplayResult> =>
          replay(url, { username, password }, { seed: Number(opts.seed), log });
        const result = opts.url ? await go(opts.url) : await inProcess(io, log, go);
        io.out(opts.json ? json(result) : `\n${formatReplay(result)}`);
        return result.ok ? EXIT.ok : EXIT.failed;
      }),
    );
}

/** Starts the server as `serve` does, on a free local port, for the length of the replay. */
async function inProcess(
  io: CliIo,
  log: (line: string) => void,
  work: (url: string) => Promise<ReplayResult>,
): Promise<ReplayResult> {
  const config = loadConfig({ ...io.env, PORT: '0', HOST: '127.0.0.1' });
  const runtime = await openRuntime(config);
  try {
    const startup = await bootstrap(runtime, config);
    if (startup.admin?.oneTimePassword)
      io.err(
        `first start: "${startup.admin.username}" was created with the one-time password ` +
          `${startup.admin.oneTimePassword}; change it (POST /api/auth/password) before the replay\n`,
      );
    const app = await buildServer({
      services: runtime.services,
      health: async () => {
        await runtime.store.ping();
        return { engine: runtime.engine, version: VERSION };
      },
      secureCookies: false,
      logLevel: config.logLevel === 'info' ? 'warn' : config.logLevel,
      version: VERSION,
    });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      log(
        `trialdesk ${VERSION} started at ${url} on ${runtime.engine === 'pglite' ? `PGlite in ${runtime.location}` : `PostgreSQL at ${runtime.location}`}`,
      );
      return await work(url);
    } finally {
      await app.close();
    }
  } finally {
    await runtime.close();
  }
}
