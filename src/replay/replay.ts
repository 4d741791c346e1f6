import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { analysisResultSchema, type AnalysisResult } from '../core/analysis/result-schema.js';
import { todayUtc } from '../core/capture/dates.js';
import { parseProtocol } from '../core/protocol/parse.js';
import type { Protocol } from '../core/protocol/schema.js';
import { checkPublishedFigures, type Check } from './checks.js';
import { ApiClient, ApiError, type Credentials } from './client.js';
import { subjectSteps, ASSAY, type Step } from './course.js';
import { describeAllocation, planOutcomes, type Allocated, type SubjectPlan } from './outcomes.js';
import { Random } from './random.js';
import { isArm, planEnrollment, PROTOCOL_FILE, SITES, type EnrollmentPlan } from './scenario.js';
import { coordinatorOf, DRUGS, resupply, setUpStudy, signOutAll, type Team } from './team.js';

// The replay of the reference trial through the live system: a fresh study driven through the public
// HTTP API as its sites, supply manager and statistician would, until the analysis of what was entered
// can be compared with the published figures. A client of the API only: no store, no services.

export interface ReplayOptions {
  /** Any integer: the same seed, day and allocations give the same data (default 20061106). */
  readonly seed?: number;
  /** Progress, one line at a time. */
  readonly log?: (line: string) => void;
  /** Fresh studies to try before giving up when allocations make the figures infeasible (default 10). */
  readonly maxAttempts?: number;
  /** Subjects whose data is entered at the same time (default 4). */
  readonly concurrency?: number;
  /** How outcomes are decided for an allocation (default `planOutcomes`); tests force a restart with it. */
  readonly outcomes?: typeof planOutcomes;
}

/** A study given up because its allocation cannot give the published figures (it is locked). */
export interface AbandonedAttempt {
  readonly studyId: string;
  readonly studyCode: string;
  readonly allocation: string;
  readonly reason: string;
}

export interface ReplayResult {
  readonly studyId: string;
  readonly studyCode: string;
  /** Studies randomized, the last one included. */
  readonly attempts: number;
  readonly abandoned: readonly AbandonedAttempt[];
  /** Randomized per stratum and arm (TRIPLE/DOUBLE/CONTROL), as the service allocated them. */
  readonly allocation: string;
  readonly dataCut: string;
  readonly screened: number;
  readonly screenFailures: number;
  /** Queries the edit checks opened on the data entered (0: every date in its window). */
  readonly queriesOpened: number;
  readonly analysis: AnalysisResult;
  readonly checks: readonly Check[];
  /** Every check passed. */
  readonly ok: boolean;
}

export const DEFAULT_SEED = 20061106;
const PROTOCOL_URL = new URL(`../../protocols/${PROTOCOL_FILE}`, import.meta.url);

/**
 * Replays the celgosivir non-responder study through the HTTP API at `baseUrl`, signed in as an
 * administrator, and returns the analysis of the data entered with every published figure checked.
 */
export async function replay(
  baseUrl: string,
  admin: Credentials,
  options: ReplayOptions = {},
): Promise<ReplayResult> {
  const seed = options.seed ?? DEFAULT_SEED;
  const log = options.log ?? (() => undefined);
  const maxAttempts = options.maxAttempts ?? 10;
  const today = todayUtc();
  const source = await readFile(PROTOCOL_URL, 'utf8');
  const protocol = parseProtocol(source, PROTOCOL_FILE);
  checkProtocol(protocol);
  const enrollment = planEnrollment(seed, today);
  const adminClient = await ApiClient.signIn(baseUrl, admin, 'trialdesk replay (admin)');
  const abandoned: AbandonedAttempt[] = [];
  try {
    for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
      const team = await setUpStudy(adminClient, source, enrollment, today);
      log(
        `attempt ${attempt}: study ${team.studyCode} created, sites ${SITES.map((s) => s.code).join(', ')} supplied`,
      );
      try {
        const { allocated, screenFailures } = await enroll(team, enrollment, log);
        const allocation = describeAllocation(allocated);
        log(`attempt ${attempt}: allocation by the service (TRIPLE/DOUBLE/CONTROL): ${allocation}`);
        const plan = (options.outcomes ?? planOutcomes)(seed, attempt, today, allocated);
        if (!plan.feasible) {
          const reason = `allocation ${allocation}: ${plan.reason}`;
          await team.dataManager.lockStudy(
            team.studyId,
            `Replay attempt ${attempt} abandoned: the published figures cannot arise from this ${reason}`,
          );
          abandoned.push({
            studyId: team.studyId,
            studyCode: team.studyCode,
            allocation,
            reason: plan.reason,
          });
          log(`attempt ${attempt}: infeasible (${plan.reason}); study locked, starting over`);
          continue;
        }
        const queriesOpened = await enterData(
          team,
          protocol,
          plan.subjects,
          today,
          seed,
          attempt,
          options,
          log,
        );
        const verified = await team.statistician.verifyRandomization(team.studyId);
        const dataCut = todayUtc();
        log(`analysis at the data cut ${dataCut}`);
        const analysis = parseAnalysis(await team.statistician.analysis(team.studyId, dataCut));
        const checks = [
          ...checkPublishedFigures(analysis),
          {
            name: 'allocations recomputed from the service’s seed',
            expected: `${allocated.length} of ${allocated.length} match`,
            actual: `${verified.allocations - verified.mismatches.length} of ${verified.allocations} match`,
            ok: verified.ok && verified.allocations === allocated.length,
          },
        ];
        return {
          studyId: team.studyId,
          studyCode: team.studyCode,
          attempts: attempt,
          abandoned,
          allocation,
          dataCut,
          screened: enrollment.screenings.length,
          screenFailures,
          queriesOpened,
          analysis,
          checks,
          ok: checks.every((c) => c.ok),
        };
      } finally {
        await signOutAll(team);
      }
    }
  } finally {
    // Never hides the error that ended the replay.
    await adminClient.signOut().catch(() => undefined);
  }
  throw new ReplayInfeasibleError(abandoned);
}

/** No study of the attempts allowed had an allocation the published figures can arise from. */
export class ReplayInfeasibleError extends Error {
  constructor(readonly abandoned: readonly AbandonedAttempt[]) {
    super(
      `No allocation in ${abandoned.length} fresh studies could give the published figures: ` +
        abandoned.map((a) => `${a.studyCode} (${a.allocation}: ${a.reason})`).join('; '),
    );
    this.name = 'ReplayInfeasibleError';
  }
}

/** The protocol must have what the scenario drives: its arms, strata, phases and election options. */
function checkProtocol(protocol: Protocol): void {
  const problems: string[] = [];
  if (!protocol.arms.every((a) => isArm(a.code)) || protocol.arms.length !== 3)
    problems.push('arms TRIPLE, DOUBLE and CONTROL');
  const factor = protocol.stratification.factors.find((f) => f.code === protocol.analysis.byFactor);
  if (!factor || factor.levels.map((l) => l.code).join() !== 'NR,PR') problems.push('strata NR and PR');
  const ext = protocol.phases.find((p) => p.kind === 'extension');
  const options = ext?.election?.options.map((o) => o.code) ?? [];
  if (!options.includes('CONTINUE') || !options.includes('SWITCH'))
    problems.push('an extension with CONTINUE and SWITCH');
  if (problems.length > 0)
    throw new Error(
      `The replay needs ${PROTOCOL_FILE} with ${problems.join(', ')}: the protocol file changed`,
    );
}

/** A validated analysis, or an error saying how the server's answer departs from the schema. */
function parseAnalysis(raw: unknown): AnalysisResult {
  const parsed = analysisResultSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`);
  throw new Error(`The analysis does not follow the analysis schema: ${issues.join('; ')}`);
}

/**
 * Screening in order of consent (screen failures included), then randomization in order of D0 by
 * the sites; the arms are read back as the unblinded statistician.
 */
async function enroll(
  team: Team,
  enrollment: EnrollmentPlan,
  log: (line: string) => void,
): Promise<{ allocated: Allocated[]; screenFailures: number }> {
  const subjects = new Map<string, { id: string; screeningNumber: string }>();
  let screenFailures = 0;
  for (const s of enrollment.screenings) {
    const subject = await coordinatorOf(team, s.site).screen(team.studyId, {
      siteId: team.siteIds.get(s.site) ?? '',
      answers: s.answers,
      consentedOn: s.consentedOn,
    });
    const expected = s.kind === 'candidate' ? 'eligible' : 'screen_failed';
    if (subject.status !== expected)
      throw new Error(
        `${subject.screeningNumber} (${s.ref}) was screened ${subject.status}, not ${expected}` +
          (s.kind === 'screen_failure' ? ` (meant to fail ${s.criterion}: ${s.why})` : ''),
      );
    if (s.kind === 'candidate') subjects.set(s.ref, subject);
    else screenFailures += 1;
  }
  log(`screened ${enrollment.screenings.length} (${screenFailures} screen failures)`);
  for (const c of enrollment.candidates) {
    const subject = subjects.get(c.ref);
    if (!subject) throw new Error(`unreachable: ${c.ref} not screened`);
    await coordinatorOf(team, c.site).randomize(subject.id, randomUUID());
  }
  const arms = new Map((await team.statistician.allocations(team.studyId)).map((a) => [a.subjectId, a.arm]));
  const allocated = enrollment.candidates.map((candidate): Allocated => {
    const subject = subjects.get(candidate.ref);
    const arm = subject ? arms.get(subject.id) : undefined;
    if (!subject || arm === undefined || !isArm(arm))
      throw new Error(`The statistician cannot see the arm of ${subject?.screeningNumber ?? candidate.ref}`);
    return { candidate, subjectId: subject.id, screeningNumber: subject.screeningNumber, arm };
  });
  log(`randomized ${allocated.length} by the randomization service`);
  return { allocated, screenFailures };
}

/** Enters every subject's course as their site would; returns the queries the edit checks opened. */
async function enterData(
  team: Team,
  protocol: Protocol,
  subjects: readonly SubjectPlan[],
  today: string,
  seed: number,
  attempt: number,
  options: ReplayOptions,
  log: (line: string) => void,
): Promise<number> {
  let queries = 0;
  let done = 0;
  let failed = false;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (!failed && next < subjects.length) {
      const plan = subjects[next] as SubjectPlan;
      next += 1;
      const steps = subjectSteps(
        protocol,
        plan,
        today,
        Random.derive(seed, `course:${attempt}:${plan.candidate.ref}`),
      );
      try {
        for (const step of steps) queries += await enter(team, plan, step);
      } catch (e) {
        failed = true;
        throw new Error(`${plan.screeningNumber}: ${(e as Error).message}`, { cause: e });
      }
      done += 1;
      if (done % 10 === 0 || done === subjects.length)
        log(`data entered for ${done} of ${subjects.length} subjects`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));
  if (queries > 0) log(`edit checks opened ${queries} queries`);
  return queries;
}

/** One step at the subject's site; returns the number of queries it opened. */
async function enter(team: Team, plan: SubjectPlan, step: Step): Promise<number> {
  const site = coordinatorOf(team, plan.candidate.site);
  const id = plan.subjectId;
  switch (step.kind) {
    case 'visit':
      return (await site.recordVisit(id, step.visit, step.date)).queries.length;
    case 'result':
      return (
        await site.recordResult(id, {
          visit: step.visit,
          collectedOn: step.collectedOn,
          result: step.result,
          assay: ASSAY,
        })
      ).queries.length;
    case 'adverse_event':
      return (await site.recordAdverseEvent(id, step.event)).queries.length;
    case 'disposition':
      return (await site.recordDisposition(id, step.disposition)).queries.length;
    case 'election':
      await site.elect(id, step.option);
      return 0;
    case 'dispense':
      await dispense(team, plan, step.visit);
      return 0;
  }
}

/**
 * Dispenses a visit's kits. A site the server finds short (it names drugs, never arms) is resupplied,
 * as the supply manager would, and dispenses again.
 */
async function dispense(team: Team, plan: SubjectPlan, visit: string): Promise<void> {
  const site = coordinatorOf(team, plan.candidate.site);
  for (let resupplies = 0; ; resupplies += 1) {
    try {
      await site.dispense(plan.subjectId, visit);
      return;
    } catch (e) {
      const short = e instanceof ApiError && e.code === 'conflict' && /resupply/i.test(e.serverMessage);
      if (!short || resupplies === 3) throw e;
      await resupply(
        team,
        plan.candidate.site,
        DRUGS.map((drug) => ({ drug, count: 12 })),
      );
    }
  }
}
