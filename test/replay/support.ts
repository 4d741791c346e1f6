import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AnalysisInput } from '../../src/core/analysis/input.js';
import { todayUtc } from '../../src/core/capture/dates.js';
import { parseResult } from '../../src/core/labs/result.js';
import { parseProtocol } from '../../src/core/protocol/parse.js';
import {
  allocateWithCaps,
  blocksSpecOf,
  capsOf,
  sequenceForStratum,
  stratumKeyOf,
  type StratumSequence,
} from '../../src/core/randomization/index.js';
import { subjectSteps, type Step } from '../../src/replay/course.js';
import type { Allocated, SubjectPlan } from '../../src/replay/outcomes.js';
import { Random } from '../../src/replay/random.js';
import { isArm, type EnrollmentPlan } from '../../src/replay/scenario.js';

// The replay without a server: allocations made by the same permuted-blocks code the randomization
// service runs, and the data a plan's steps would enter, as the analysis service loads it.

export const protocol = parseProtocol(
  readFileSync(new URL('../../protocols/celgosivir-nr-phase2.yaml', import.meta.url), 'utf8'),
  'celgosivir-nr-phase2.yaml',
);
export const TODAY = todayUtc();

/** Allocations as the service makes them (stratified permuted blocks with caps), for a study seed. */
export function allocate(enrollment: EnrollmentPlan, studySeed: string): Allocated[] {
  const spec = blocksSpecOf(protocol);
  const caps = capsOf(protocol);
  const sequences = new Map<string, StratumSequence>();
  const next = new Map<string, number>();
  const counts: Record<string, number> = {};
  return enrollment.candidates.map((candidate, i) => {
    const stratum = stratumKeyOf(protocol, { PRIORRESP: candidate.stratum });
    const sequence = sequences.get(stratum) ?? sequenceForStratum(spec, studySeed, stratum);
    sequences.set(stratum, sequence);
    const outcome = allocateWithCaps({ sequence, nextSlot: next.get(stratum) ?? 0, counts, caps });
    if (outcome.kind !== 'allocated' || !isArm(outcome.slot.arm)) throw new Error('every arm is full');
    next.set(stratum, outcome.nextSlot);
    counts[outcome.slot.arm] = (counts[outcome.slot.arm] ?? 0) + 1;
    return {
      candidate,
      subjectId: `subject-${i}`,
      screeningNumber: `${candidate.site}-${i}`,
      arm: outcome.slot.arm,
    };
  });
}

export const hexSeed = (n: number): string => createHash('sha256').update(`study ${n}`).digest('hex');

/** The data the steps enter, as the analysis service loads it (day 0 = the D0 visit, elections dated today). */
export function analysisInput(
  enrollment: EnrollmentPlan,
  plans: readonly SubjectPlan[],
  seed: number,
): AnalysisInput {
  const input = {
    subjects: [] as AnalysisInput['subjects'][number][],
    reassignments: [] as AnalysisInput['reassignments'][number][],
    visits: [] as AnalysisInput['visits'][number][],
    results: [] as AnalysisInput['results'][number][],
    adverseEvents: [] as AnalysisInput['adverseEvents'][number][],
    dispositions: [] as AnalysisInput['dispositions'][number][],
  };
  for (const s of enrollment.screenings)
    if (s.kind === 'screen_failure')
      input.subjects.push({
        id: s.ref,
        screeningNumber: s.ref,
        siteCode: s.site,
        status: 'screen_failed',
        levels: {},
        randomization: null,
      });
  for (const p of plans) {
    input.subjects.push({
      id: p.subjectId,
      screeningNumber: p.screeningNumber,
      siteCode: p.candidate.site,
      status: 'randomized',
      levels: { PRIORRESP: p.candidate.stratum },
      randomization: { arm: p.arm, date: p.candidate.dayZero },
    });
    for (const step of subjectSteps(protocol, p, TODAY, Random.derive(seed, p.candidate.ref)))
      addStep(input, p, step);
  }
  return { protocol, protocolVersion: 1, dataCut: TODAY, ...input };
}

function addStep(
  input: Omit<AnalysisInput, 'protocol' | 'protocolVersion' | 'dataCut'>,
  p: SubjectPlan,
  step: Step,
) {
  const subjectId = p.subjectId;
  switch (step.kind) {
    case 'visit':
      (input.visits as unknown[]).push({ subjectId, visit: step.visit, date: step.date });
      return;
    case 'result':
      (input.results as unknown[]).push({
        subjectId,
        visit: step.visit,
        measure: 'HCVRNA',
        collectedOn: step.collectedOn,
        result: parseResult(step.result, { unit: 'IU/mL', measureUnit: 'IU/mL', lloq: 15 }),
      });
      return;
    case 'adverse_event':
      (input.adverseEvents as unknown[]).push({
        subjectId,
        verbatimTerm: step.event.verbatimTerm,
        codedTerm: step.event.codedTerm ?? null,
        bodySystem: step.event.bodySystem ?? null,
        grade: step.event.grade,
        serious: step.event.serious,
        relatedness: step.event.relatedness,
        onsetDate: step.event.onsetDate,
      });
      return;
    case 'disposition':
      (input.dispositions as unknown[]).push({
        subjectId,
        phase: step.disposition.phase,
        status: step.disposition.status,
        date: step.disposition.date,
        reason: step.disposition.reason ?? null,
        relatedDrug: step.disposition.relatedDrug ?? null,
      });
      return;
    case 'election':
      (input.reassignments as unknown[]).push({
        subjectId,
        phase: 'EXT',
        option: step.option,
        fromArm: p.arm,
        toArm: p.extension?.toArm ?? p.arm,
        date: TODAY,
      });
      return;
    case 'dispense':
      return;
  }
}
