import { addDays, daysBetween } from '../core/capture/dates.js';
import type { Protocol } from '../core/protocol/schema.js';
import type { AdverseEventBody, DispositionBody } from './client.js';
import type { SubjectPlan } from './outcomes.js';
import type { Random } from './random.js';
import { reportIu } from './scenario.js';

// A subject's course as the site enters it, step by step and in the order a site would: the D0 and
// screening visits, every scheduled visit the subject attends with its HCV RNA result and kits, adverse
// events, the main phase's disposition, and for those who continue the election, the extension visits
// and their end. Dates are in the past, inside the visit windows.

export type Step =
  | { readonly kind: 'visit'; readonly visit: string; readonly date: string }
  | {
      readonly kind: 'result';
      readonly visit: string;
      readonly collectedOn: string;
      /** IU/mL, or the lab's text: `<15`, `TND`. */
      readonly result: number | string;
    }
  | { readonly kind: 'dispense'; readonly visit: string }
  | { readonly kind: 'adverse_event'; readonly event: AdverseEventBody }
  | { readonly kind: 'disposition'; readonly disposition: DispositionBody }
  | { readonly kind: 'election'; readonly option: string };

/** The assay of every HCV RNA result (its LLOQ is the protocol's, 15 IU/mL). */
export const ASSAY = 'COBAS TaqMan HCV test (LLOQ 15 IU/mL)';
const LOG10_LLOQ = Math.log10(15);

type Visit = Protocol['visits'][number];

/** A visit's date: near its nominal day, inside its window (at most `spread` days off). */
function visitDate(rng: Random, dayZero: string, visit: Visit, spread = 2): { date: string; day: number } {
  const day =
    visit.day + rng.int(-Math.min(visit.window.before, spread), Math.min(visit.window.after, spread));
  return { date: addDays(dayZero, day), day };
}

/** How a result is reported from its log10 value: a number (3 significant digits), `<15` or `TND`. */
function reported(log10: number): number | string {
  if (log10 >= LOG10_LLOQ) return Math.max(15, reportIu(10 ** log10));
  return log10 < LOG10_LLOQ - 0.4 ? 'TND' : '<15';
}

/** The drugs an arm receives, and whether the masked celgosivir is active. */
function treatmentsOf(protocol: Protocol, arm: string): { drugs: Set<string>; active: Set<string> } {
  const treatments = protocol.arms.find((a) => a.code === arm)?.treatments ?? [];
  return {
    drugs: new Set(treatments.map((t) => t.drug)),
    active: new Set(treatments.filter((t) => !t.placebo).map((t) => t.drug)),
  };
}

interface AeKind {
  readonly term: string;
  readonly verbatim: string;
  readonly bodySystem: string;
  /** The drug the investigator holds responsible. */
  readonly cause: string;
}
const GENERAL = 'General disorders and administration site conditions';
const GI = 'Gastrointestinal disorders';
const BLOOD = 'Blood and lymphatic system disorders';
const PSYCH = 'Psychiatric disorders';
/** Side effects of peginterferon and ribavirin, and how often; celgosivir's are gastrointestinal. */
const COMMON_EVENTS: readonly (AeKind & { readonly p: number })[] = [
  {
    term: 'Influenza like illness',
    verbatim: 'flu-like symptoms',
    bodySystem: GENERAL,
    cause: 'PEGIFN',
    p: 0.5,
  },
  { term: 'Fatigue', verbatim: 'tiredness', bodySystem: GENERAL, cause: 'PEGIFN', p: 0.55 },
  { term: 'Headache', verbatim: 'headache', bodySystem: 'Nervous system disorders', cause: 'PEGIFN', p: 0.3 },
  { term: 'Pyrexia', verbatim: 'fever after injection', bodySystem: GENERAL, cause: 'PEGIFN', p: 0.2 },
  { term: 'Insomnia', verbatim: 'trouble sleeping', bodySystem: PSYCH, cause: 'PEGIFN', p: 0.12 },
  { term: 'Anaemia', verbatim: 'low hemoglobin', bodySystem: BLOOD, cause: 'RBV', p: 0.25 },
];
/** Gastrointestinal events with their frequency on active celgosivir and on its placebo. */
const GI_EVENTS: readonly (AeKind & { readonly active: number; readonly placebo: number })[] = [
  {
    term: 'Diarrhoea',
    verbatim: 'loose stools',
    bodySystem: GI,
    cause: 'CELGOSIVIR',
    active: 0.45,
    placebo: 0.1,
  },
  {
    term: 'Flatulence',
    verbatim: 'bloating and gas',
    bodySystem: GI,
    cause: 'CELGOSIVIR',
    active: 0.3,
    placebo: 0.05,
  },
  { term: 'Nausea', verbatim: 'nausea', bodySystem: GI, cause: 'CELGOSIVIR', active: 0.2, placebo: 0.1 },
  {
    term: 'Abdominal pain',
    verbatim: 'abdominal cramps',
    bodySystem: GI,
    cause: 'CELGOSIVIR',
    active: 0.15,
    placebo: 0.05,
  },
];
/** Peginterferon side effects that end treatment. */
const DROPOUT_EVENTS: readonly AeKind[] = [
  { term: 'Depression', verbatim: 'depressed mood', bodySystem: PSYCH, cause: 'PEGIFN' },
  {
    term: 'Influenza like illness',
    verbatim: 'severe flu-like symptoms',
    bodySystem: GENERAL,
    cause: 'PEGIFN',
  },
  { term: 'Fatigue', verbatim: 'disabling fatigue', bodySystem: GENERAL, cause: 'PEGIFN' },
  { term: 'Neutropenia', verbatim: 'low neutrophil count', bodySystem: BLOOD, cause: 'PEGIFN' },
  { term: 'Thrombocytopenia', verbatim: 'low platelet count', bodySystem: BLOOD, cause: 'PEGIFN' },
  { term: 'Irritability', verbatim: 'irritability and mood swings', bodySystem: PSYCH, cause: 'PEGIFN' },
];

/** What a subject's adverse events need to know. */
interface AeContext {
  readonly rng: Random;
  readonly protocol: Protocol;
  readonly dayZero: string;
  readonly today: string;
  readonly given: Set<string>;
}

/**
 * An event with the investigator's relatedness to every study drug: the drug held responsible
 * probable (or possible), the others unlikely, a drug the subject does not receive (ribavirin on the
 * double arm, open label) not related.
 */
function adverseEvent(
  ctx: AeContext,
  kind: AeKind,
  onsetDay: number,
  grade: number,
  action: AdverseEventBody['actionTaken'],
): AdverseEventBody {
  const { rng } = ctx;
  const relatedness = Object.fromEntries(
    ctx.protocol.drugs.map((d) => {
      if (!ctx.given.has(d.code)) return [d.code, 'not_related'] as const;
      if (d.code === kind.cause) return [d.code, rng.chance(0.7) ? 'probable' : 'possible'] as const;
      return [d.code, rng.chance(0.6) ? 'unlikely' : 'not_related'] as const;
    }),
  );
  const onsetDate = addDays(ctx.dayZero, onsetDay);
  const end = addDays(onsetDate, rng.int(3, 35));
  const over = end <= ctx.today;
  return {
    verbatimTerm: kind.verbatim,
    codedTerm: kind.term,
    bodySystem: kind.bodySystem,
    grade,
    serious: false,
    relatedness,
    onsetDate,
    endDate: over ? end : null,
    outcome: over ? 'recovered' : 'recovering',
    actionTaken: action,
  };
}

/** The usual side effects over `[firstDay, lastDay]` of treatment: none serious, mostly grade 1. */
function usualEvents(
  ctx: AeContext,
  active: Set<string>,
  firstDay: number,
  lastDay: number,
): AdverseEventBody[] {
  const { rng } = ctx;
  if (lastDay < firstDay) return [];
  const events: AdverseEventBody[] = [];
  const onset = (early: boolean): number =>
    rng.int(firstDay, early ? Math.min(lastDay, firstDay + 27) : lastDay);
  for (const e of COMMON_EVENTS)
    if (ctx.given.has(e.cause) && rng.chance(e.p))
      events.push(adverseEvent(ctx, e, onset(true), rng.chance(0.65) ? 1 : 2, 'none'));
  for (const e of GI_EVENTS) {
    const p = active.has('CELGOSIVIR') ? e.active : ctx.given.has('CELGOSIVIR') ? e.placebo : 0;
    if (rng.chance(p)) events.push(adverseEvent(ctx, e, onset(false), rng.chance(0.85) ? 1 : 2, 'none'));
  }
  return events;
}

/** Everything the site enters for one subject, in order. */
export function subjectSteps(protocol: Protocol, plan: SubjectPlan, today: string, rng: Random): Step[] {
  const main = protocol.phases.find((p) => p.kind === 'main');
  const ext = protocol.phases.find((p) => p.kind === 'extension');
  if (!main || !ext) throw new Error('The replay needs a protocol with a main phase and an extension');
  const dispensedAt = new Set(protocol.drugs.flatMap((d) => d.supply?.dispenseAt ?? []));
  const { dayZero } = plan.candidate;
  const steps: Step[] = [];
  const base = Math.log10(plan.candidate.baselineIu);
  const w12Log = plan.w12Iu !== null ? Math.log10(plan.w12Iu) : base - plan.change;
  const responder = plan.change >= 2;
  const logAtMain = (day: number): number => {
    const x = Math.min(1, Math.max(0, day / 84));
    const shape = responder ? 1 - (1 - x) ** 1.8 : x ** 0.8;
    return base - plan.change * shape + rng.normal(0, 0.08);
  };

  // Day 0 first: it fixes the windows of every other visit.
  const visits = [...protocol.visits].sort((a, b) => a.day - b.day);
  steps.push({ kind: 'visit', visit: main.startVisit, date: dayZero });
  steps.push({
    kind: 'result',
    visit: main.startVisit,
    collectedOn: dayZero,
    result: plan.candidate.baselineIu,
  });
  for (const v of visits.filter((x) => x.day < 0)) {
    const date = plan.candidate.screeningVisit;
    steps.push({ kind: 'visit', visit: v.code, date });
    steps.push({ kind: 'result', visit: v.code, collectedOn: date, result: plan.candidate.screeningIu });
  }

  const stopDay = plan.main.kind === 'discontinued' ? plan.main.day : Number.POSITIVE_INFINITY;
  let endOfMain = dayZero;
  for (const v of visits.filter((x) => x.phase === main.code && x.day > 0)) {
    const { date, day } = visitDate(rng, dayZero, v, v.code === main.endVisit ? 3 : 2);
    if (day >= stopDay) break;
    endOfMain = date;
    steps.push({ kind: 'visit', visit: v.code, date });
    const isEnd = v.code === main.endVisit;
    if (isEnd && plan.w12Iu !== null)
      steps.push({ kind: 'result', visit: v.code, collectedOn: date, result: plan.w12Iu });
    else if (!isEnd)
      steps.push({ kind: 'result', visit: v.code, collectedOn: date, result: reported(logAtMain(day)) });
    if (!isEnd && dispensedAt.has(v.code)) steps.push({ kind: 'dispense', visit: v.code });
  }

  const { drugs, active } = treatmentsOf(protocol, plan.arm);
  const ctx: AeContext = { rng, protocol, dayZero, today, given: drugs };
  const lastMainDay = Math.min(stopDay - 1, daysBetween(dayZero, endOfMain));
  for (const event of usualEvents(ctx, active, 1, Math.max(1, lastMainDay)))
    steps.push({ kind: 'adverse_event', event });

  if (plan.main.kind === 'discontinued') {
    const date = addDays(dayZero, plan.main.day);
    if (plan.main.reason === 'adverse_event') {
      const kind = rng.pick(DROPOUT_EVENTS);
      const onset = Math.max(1, plan.main.day - rng.int(2, 8));
      steps.push({ kind: 'adverse_event', event: adverseEvent(ctx, kind, onset, 3, 'drug_withdrawn') });
      steps.push({
        kind: 'disposition',
        disposition: {
          phase: main.code,
          status: 'discontinued',
          date,
          reason: 'adverse_event',
          relatedDrug: kind.cause,
          detail: `${kind.term} (grade 3) attributed to peginterferon; treatment stopped`,
        },
      });
    } else
      steps.push({
        kind: 'disposition',
        disposition: {
          phase: main.code,
          status: 'discontinued',
          date,
          reason: 'withdrawal_by_subject',
          detail: 'Moved away for work and withdrew from further visits (not an adverse event)',
        },
      });
    return steps;
  }
  steps.push({
    kind: 'disposition',
    disposition: { phase: main.code, status: 'completed', date: endOfMain },
  });
  if (!plan.extension) return steps;

  // The extension: election at the end of the main phase, its kits, then the extension's visits.
  const course = plan.extension;
  steps.push({ kind: 'election', option: course.option });
  if (dispensedAt.has(main.endVisit)) steps.push({ kind: 'dispense', visit: main.endVisit });
  const after = treatmentsOf(protocol, course.toArm);
  const decline =
    course.toArm === 'TRIPLE'
      ? responder
        ? rng.uniform(2.2, 4.2)
        : course.option === 'SWITCH'
          ? rng.uniform(0.4, 1.6)
          : rng.uniform(0, 0.7)
      : rng.uniform(-0.2, 0.3);
  const daysOnStudy = daysBetween(dayZero, today);
  const extStop = course.discontinued?.day ?? Number.POSITIVE_INFINITY;
  const extVisits = visits.filter((x) => x.phase === ext.code);
  const endDay = extVisits.at(-1)?.day ?? 336;
  let lastExtDay = daysBetween(dayZero, endOfMain);
  let lastExtDate = endOfMain;
  for (const v of extVisits) {
    if (v.day >= extStop || v.day > daysOnStudy - 1) break;
    const spread = Math.max(0, Math.min(3, daysOnStudy - 1 - v.day));
    const { date, day } = visitDate(rng, dayZero, v, spread);
    if (day >= extStop || date > today) break;
    lastExtDay = day;
    lastExtDate = date;
    steps.push({ kind: 'visit', visit: v.code, date });
    const progress = Math.min(1, (day - 84) / (endDay - 84));
    steps.push({
      kind: 'result',
      visit: v.code,
      collectedOn: date,
      result: reported(w12Log - decline * progress + rng.normal(0, 0.1)),
    });
    if (dispensedAt.has(v.code)) steps.push({ kind: 'dispense', visit: v.code });
  }
  const extCtx: AeContext = { ...ctx, given: after.drugs };
  const extLast = course.discontinued ? course.discontinued.day - 1 : Math.min(lastExtDay, daysOnStudy - 1);
  for (const event of usualEvents(extCtx, after.active, 90, extLast).filter(() => rng.chance(0.4)))
    steps.push({ kind: 'adverse_event', event });

  if (course.discontinued) {
    const { day, reason } = course.discontinued;
    const date = addDays(dayZero, day);
    if (reason === 'adverse_event') {
      const kind = rng.pick(DROPOUT_EVENTS.filter((k) => k.bodySystem === PSYCH));
      steps.push({
        kind: 'adverse_event',
        event: adverseEvent(extCtx, kind, day - rng.int(2, 6), 2, 'drug_withdrawn'),
      });
      steps.push({
        kind: 'disposition',
        disposition: { phase: ext.code, status: 'discontinued', date, reason, relatedDrug: kind.cause },
      });
    } else
      steps.push({
        kind: 'disposition',
        disposition: {
          phase: ext.code,
          status: 'discontinued',
          date,
          reason,
          detail: 'No further decline in HCV RNA on the extension',
        },
      });
  } else if (course.role === 'completed48')
    steps.push({
      kind: 'disposition',
      disposition: { phase: ext.code, status: 'completed', date: lastExtDate },
    });
  return steps;
}
