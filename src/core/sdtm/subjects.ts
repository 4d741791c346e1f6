import { resolveElection } from '../extension/election.js';
import type { Protocol } from '../protocol/schema.js';
import { stratumKeyOf } from '../randomization/from-protocol.js';
import type { PlanContext, Subject } from './context.js';
import { screeningNumbers, type DmSubject } from './dm.js';
import type { DsMilestone } from './ds.js';
import type { PlannedAllocation, PlannedElection, PlannedSite, PlannedSubject } from './plan.js';
import { MILESTONES, normalTerm } from './terms.js';

/** Each subject's milestones of DS (one of each at most). */
export type Milestones = Map<string, Partial<Record<DsMilestone['milestone'], DsMilestone>>>;

const MILESTONE_TERM = {
  consent: MILESTONES.consent,
  randomized: MILESTONES.randomized,
  election: MILESTONES.election,
} as const;

/** The milestones of DS by subject: consent and randomization dates, extension elections. */
export function milestonesOf(ctx: PlanContext, milestones: readonly DsMilestone[]): Milestones {
  const bySubject: Milestones = new Map();
  for (const m of milestones) {
    if (!ctx.subjectOf(m)) continue;
    const own = bySubject.get(m.usubjid) ?? {};
    const first = own[m.milestone];
    if (first)
      ctx.issues.add(
        m.file,
        m.line,
        `${MILESTONE_TERM[m.milestone]} of ${m.usubjid} is already on line ${first.line}`,
      );
    else bySubject.set(m.usubjid, { ...own, [m.milestone]: m });
  }
  return bySubject;
}

/**
 * The subjects of DM with their consent date (RFICDTC, else the INFORMED CONSENT OBTAINED milestone,
 * else RFSTDTC), randomization date (the RANDOMIZED milestone, else RFSTDTC) and stratification
 * levels (SUPPDM, every factor for a randomized subject); accepted ones go to `ctx.subjects`.
 */
export function planSubjects(
  ctx: PlanContext,
  dm: readonly DmSubject[],
  levelsOf: ReadonlyMap<string, Readonly<Record<string, string>>>,
  milestones: Milestones,
): void {
  const { protocol, today } = ctx;
  for (const s of dm) {
    const own = milestones.get(s.usubjid) ?? {};
    const problems: string[] = [];
    const consentedOn = s.rficdtc ?? own.consent?.date ?? s.rfstdtc;
    if (consentedOn === null)
      problems.push(
        'RFICDTC and RFSTDTC are empty and DS has no INFORMED CONSENT OBTAINED: the consent date is required',
      );
    else if (consentedOn > today) problems.push(`the consent date ${consentedOn} is in the future`);
    const randomizedOn = s.status === 'randomized' ? (own.randomized?.date ?? s.rfstdtc) : null;
    if (s.status === 'randomized' && randomizedOn === null)
      problems.push(
        'RFSTDTC is empty and DS has no RANDOMIZED milestone: a randomized subject needs its randomization date',
      );
    else if (randomizedOn !== null && consentedOn !== null && randomizedOn < consentedOn)
      problems.push(`randomized on ${randomizedOn}, before informed consent (${consentedOn})`);
    else if (randomizedOn !== null && randomizedOn > today)
      problems.push(`the randomization date ${randomizedOn} is in the future`);
    const levels = levelsOf.get(s.usubjid) ?? {};
    if (s.status === 'randomized')
      for (const f of protocol.stratification.factors)
        if (levels[f.code] === undefined)
          problems.push(
            `no SUPPDM record with QNAM ${f.code}: a randomized subject needs its ${f.label} level`,
          );
    if (own.randomized && s.status !== 'randomized')
      ctx.issues.add(
        own.randomized.file,
        own.randomized.line,
        `${s.usubjid} is not randomized (ARMCD "${s.arm ?? ''}" in DM): no RANDOMIZED milestone`,
      );
    if (problems.length > 0 || consentedOn === null) {
      ctx.issues.add(s.file, s.line, problems.join('; '));
      continue;
    }
    ctx.subjects.set(s.usubjid, { dm: s, consentedOn, randomizedOn, levels, electedPhases: [], day0: null });
  }
}

/** Allocations in order of randomization (then DM line), numbered from 0; arm caps hold as for a randomization made here. */
export function planAllocations(ctx: PlanContext): PlannedAllocation[] {
  const { protocol } = ctx;
  const allocations: PlannedAllocation[] = [];
  const counts = new Map<string, number>();
  const randomized = [...ctx.subjects.values()]
    .filter((s) => s.dm.status === 'randomized')
    .sort((a, b) =>
      (a.randomizedOn ?? '') < (b.randomizedOn ?? '')
        ? -1
        : (a.randomizedOn ?? '') > (b.randomizedOn ?? '')
          ? 1
          : a.dm.line - b.dm.line,
    );
  for (const s of randomized) {
    const arm = protocol.arms.find((a) => a.code === s.dm.arm);
    if (!arm || s.randomizedOn === null) continue;
    const n = (counts.get(arm.code) ?? 0) + 1;
    counts.set(arm.code, n);
    if (arm.cap !== undefined && n > arm.cap) {
      ctx.issues.add(
        s.dm.file,
        s.dm.line,
        `arm ${arm.code} is capped at ${arm.cap} subjects: ${s.dm.usubjid} would be number ${n}`,
      );
      continue;
    }
    allocations.push({
      usubjid: s.dm.usubjid,
      sequenceNumber: allocations.length,
      arm: arm.code,
      stratumKey:
        protocol.randomization.method === 'permuted-blocks'
          ? stratumKeyOf(protocol, s.levels)
          : 'MINIMIZATION',
      randomizedOn: s.randomizedOn,
    });
  }

  return allocations;
}

/** Extension elections: the EXTENSION ELECTED milestone, its option (code or label) in DSTERM. */
export function planElections(ctx: PlanContext, milestones: Milestones): PlannedElection[] {
  const { protocol } = ctx;
  const elections: PlannedElection[] = [];
  const extension = protocol.phases.find((p) => p.election !== undefined);
  for (const own of milestones.values()) {
    const m = own.election;
    if (!m) continue;
    const s = ctx.subjectFor(m, 'extension election');
    if (!s?.dm.arm || s.randomizedOn === null) continue;
    if (!extension?.election) {
      ctx.issues.add(m.file, m.line, 'the protocol has no extension to elect');
      continue;
    }
    const term = normalTerm(m.term);
    const option = extension.election.options.find((o) => o.code === term || normalTerm(o.label) === term);
    if (!option) {
      ctx.issues.add(
        m.file,
        m.line,
        `DSTERM "${m.term}" is not an option of the ${extension.code} election (${extension.election.options.map((o) => o.code).join(', ')})`,
      );
      continue;
    }
    if (m.date < s.randomizedOn) {
      ctx.issues.add(
        m.file,
        m.line,
        `the election on ${m.date} is before the randomization (${s.randomizedOn})`,
      );
      continue;
    }
    const e = resolveElection(protocol, s.dm.arm, option.code);
    s.electedPhases.push(e.phase);
    elections.push({ usubjid: s.dm.usubjid, line: m.line, ...e, date: m.date });
  }

  return elections;
}

/** The sites (DM SITEID, in order of appearance) and the subjects as they are stored. */
export function sitesAndSubjects(
  protocol: Protocol,
  dm: readonly DmSubject[],
  subjects: ReadonlyMap<string, Subject>,
): { sites: PlannedSite[]; subjects: PlannedSubject[] } {
  const numbers = screeningNumbers(dm);
  const sites = new Map<string, PlannedSite>();
  for (const s of dm) {
    const site = sites.get(s.siteCode);
    if (!site || (site.country === null && s.country !== null))
      sites.set(s.siteCode, {
        code: s.siteCode,
        name: `Site ${s.siteCode}`,
        country: site?.country ?? s.country,
      });
  }
  const planned: PlannedSubject[] = [];
  for (const s of subjects.values()) {
    const answers: Record<string, string> = {};
    for (const f of protocol.stratification.factors) {
      const level = s.levels[f.code];
      if (f.fromField !== undefined && level !== undefined) answers[f.fromField] = level;
    }
    planned.push({
      usubjid: s.dm.usubjid,
      line: s.dm.line,
      screeningNumber: numbers.get(s.dm.usubjid) ?? s.dm.usubjid,
      siteCode: s.dm.siteCode,
      status: s.dm.status,
      consentedOn: s.consentedOn,
      levels: s.levels,
      answers,
      eligibility: { eligible: s.dm.status !== 'screen_failed', criteria: [] },
    });
  }
  return { sites: [...sites.values()], subjects: planned };
}
