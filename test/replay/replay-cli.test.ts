import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/core/analysis/analyze.js';
import { formatReplay } from '../../src/cli/commands/replay.command.js';
import { checkPublishedFigures } from '../../src/replay/checks.js';
import { planOutcomes } from '../../src/replay/outcomes.js';
import type { ReplayResult } from '../../src/replay/replay.js';
import { planEnrollment } from '../../src/replay/scenario.js';
import { cli } from '../cli/harness.js';
import { PASSWORD } from '../support/fixtures.js';
import { allocate, analysisInput, hexSeed, TODAY } from './support.js';

// `trialdesk replay celgosivir-nr` as a person runs it: refusals before anything starts, the server it
// starts in-process on the configured database (PGlite in memory here), and the table it prints. The
// full replay through the command line runs in replay.test.ts.

const env = {
  TRIALDESK_DATA_DIR: 'memory://',
  TRIALDESK_ADMIN_PASSWORD: PASSWORD,
  TRIALDESK_LOAD_REFERENCE: 'false',
  TRIALDESK_LOG_LEVEL: 'silent',
  TRIALDESK_USER: 'admin',
  TRIALDESK_PASSWORD: PASSWORD,
};

/** A replay result as the command gets it, from the analysis of a plan's data (no server). */
function resultOf(): ReplayResult {
  const enrollment = planEnrollment(5, TODAY);
  const plan = planOutcomes(5, 1, TODAY, allocate(enrollment, hexSeed(0)));
  if (!plan.feasible) throw new Error('study seed 0 should be feasible');
  const analysis = analyze(analysisInput(enrollment, plan.subjects, 5));
  const checks = checkPublishedFigures(analysis);
  return {
    studyId: '00000000-0000-4000-8000-000000000000',
    studyCode: 'celgosivir-nr-replay-20261121-abcdef',
    attempts: 2,
    abandoned: [
      {
        studyId: '00000000-0000-4000-8000-000000000001',
        studyCode: 'celgosivir-nr-replay-20261121-123456',
        allocation: 'NR 11/13/12, PR 7/7/7',
        reason: 'too few NR on TRIPLE',
      },
    ],
    allocation: 'NR 12/12/12, PR 7/7/7',
    dataCut: TODAY,
    screened: 66,
    screenFailures: 9,
    queriesOpened: 0,
    analysis,
    checks,
    ok: checks.every((c) => c.ok),
  };
}

describe('trialdesk replay', () => {
  it('refuses an unknown scenario and a seed that is not a number, before signing in', async () => {
    const unknown = await cli(['replay', 'naive'], { env });
    expect(unknown.code).toBe(1);
    expect(unknown.err).toBe('error: Unknown scenario "naive": the replay knows celgosivir-nr\n');
    const seed = await cli(['replay', 'celgosivir-nr', '--seed', 'x'], { env });
    expect(seed.code).toBe(1);
    expect(seed.err).toBe('error: --seed must be a whole number, not "x"\n');
  });

  it('says who must sign in, and stops the server it started when the password is wrong (exit 1)', async () => {
    const nobody = await cli(['replay', 'celgosivir-nr'], { env: { ...env, TRIALDESK_USER: '' } });
    expect(nobody.code).toBe(1);
    expect(nobody.err).toMatch(
      /^error: Say which administrator runs the replay: --user NAME or TRIALDESK_USER/,
    );
    const wrong = await cli(['replay', 'celgosivir-nr', '--json'], {
      env: { ...env, TRIALDESK_PASSWORD: 'not the password at all' },
    });
    expect(wrong.code).toBe(1);
    expect(wrong.out).toBe('');
    expect(wrong.err).toMatch(/^trialdesk .* started at http:\/\/127\.0\.0\.1:\d+ on PGlite in memory/m);
    expect(wrong.err).toMatch(/^error: POST \/api\/auth\/sign-in → 401 unauthenticated: /m);
  });

  it('prints the published and reproduced figures side by side, and the attempts given up', () => {
    const text = formatReplay(resultOf());
    expect(text).toMatch(/^study celgosivir-nr-replay-20261121-abcdef \(.+\), 2 attempt\(s\)$/m);
    expect(text).toMatch(
      /^ {2}attempt given up: celgosivir-nr-replay-20261121-123456 \(allocation NR 11\/13\/12/m,
    );
    expect(text).toMatch(/^figure +published +reproduced$/m);
    for (const row of [
      /^enrolled \(randomized\) +57 +57 +ok$/m,
      /^NR completers, triple +12 +12 +ok$/m,
      /^NR mean log10 reduction at week 12, triple +1\.2 +1\.2 +ok$/m,
      /^NR EVR \(≥ 2 log10\), control +10% \(1\/10\) +10% \(1\/10\) +ok$/m,
      /^PR triple analysed, flagged +n = 3, insufficient for conclusions +n = 3, insufficient for conclusions +ok$/m,
      /^between 24 and 48 weeks +22 +22 +ok$/m,
    ])
      expect(text).toMatch(row);
    expect(text).toMatch(/^all 23 figures reproduced$/m);
  });

  it('marks a figure that differs and counts them', () => {
    const result = resultOf();
    const checks = result.checks.map((c, i) => (i === 0 ? { ...c, actual: '56', ok: false } : c));
    const text = formatReplay({ ...result, checks, ok: false });
    expect(text).toMatch(/^enrolled \(randomized\) +57 +56 +DIFFERS$/m);
    expect(text).toMatch(/^1 of 23 figures differ$/m);
  });
});
