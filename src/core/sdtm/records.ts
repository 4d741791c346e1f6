import { measureRefusal } from '../capture/visit-rules.js';
import type { Relatedness } from '../capture/vocabulary.js';
import type { AeEvent } from './ae.js';
import type { Located, PlanContext } from './context.js';
import type { DsDisposition } from './ds.js';
import type { LbResult, SvVisit } from './findings.js';
import type { PlannedAdverseEvent, PlannedDisposition, PlannedResult, PlannedVisit } from './plan.js';
import { drugsMentioned } from './protocol-map.js';
import { normalTerm } from './terms.js';

/**
 * Visits: SV when given, else each visit LB has a sample at (its earliest sample date); a randomized
 * subject's day-0 visit always (the randomization date when neither has it). Sets each subject's day 0
 * first (the visit windows count from it).
 */
export function planVisits(
  ctx: PlanContext,
  sv: readonly SvVisit[] | null,
  lb: readonly LbResult[],
  notes: string[],
): PlannedVisit[] {
  const { protocol } = ctx;
  // Day 0: the randomization visit's date (SV, else the LB sample), else the randomization date.
  const d0 = protocol.phases.find((p) => p.kind === 'main')?.startVisit ?? '';
  for (const v of sv ?? lb) {
    const s = ctx.subjects.get(v.usubjid);
    const date = 'date' in v ? v.date : v.collectedOn;
    if (s && s.randomizedOn !== null && v.visit === d0 && (s.day0 === null || date < s.day0)) s.day0 = date;
  }
  for (const s of ctx.subjects.values())
    if (s.randomizedOn !== null && s.day0 === null) s.day0 = s.randomizedOn;

  // Visits: SV, else each visit LB has a sample at (its earliest sample date); day 0 always.
  const visits: PlannedVisit[] = [];
  const visitLines = new Map<string, number>();
  const addVisit = (r: Located, visit: string, date: string, source: PlannedVisit['source']): void => {
    const s = ctx.subjectFor(r);
    if (!s) return;
    const key = `${r.usubjid}\u0000${visit}`;
    const first = visitLines.get(key);
    if (first !== undefined) {
      ctx.issues.add(r.file, r.line, `${visit} of ${r.usubjid} is already on line ${first}`);
      return;
    }
    visitLines.set(key, r.line);
    if (ctx.refused(r, s, visit)) return;
    const findings = ctx.check(
      r,
      s,
      { form: 'visit', visitCode: visit, visitDate: date },
      visit === d0 ? date : s.day0,
    );
    if (findings) visits.push({ usubjid: r.usubjid, visit, date, source, findings });
  };
  if (sv) for (const v of sv) addVisit(v, v.visit, v.date, 'sv');
  else {
    const earliest = new Map<string, (typeof lb)[number]>();
    for (const r of lb) {
      const key = `${r.usubjid}\u0000${r.visit}`;
      const e = earliest.get(key);
      if (!e || r.collectedOn < e.collectedOn) earliest.set(key, r);
    }
    for (const r of earliest.values()) addVisit(r, r.visit, r.collectedOn, 'lb');
    if (earliest.size > 0)
      notes.push(`${earliest.size} visit date(s) taken from the LB sample dates (no SV dataset)`);
  }
  let derivedDay0 = 0;
  for (const s of ctx.subjects.values())
    if (s.randomizedOn !== null && s.day0 !== null && !visitLines.has(`${s.dm.usubjid}\u0000${d0}`)) {
      const findings = ctx.check(s.dm, s, { form: 'visit', visitCode: d0, visitDate: s.day0 }, s.day0);
      if (findings)
        visits.push({ usubjid: s.dm.usubjid, visit: d0, date: s.day0, source: 'randomization', findings });
      derivedDay0++;
    }
  if (derivedDay0 > 0)
    notes.push(`${derivedDay0} ${d0} visit(s) dated on the randomization date (no ${d0} visit in SV or LB)`);

  return visits;
}

/** Results: one per subject, visit and measure, at a visit the subject may have data, edit-checked. */
export function planResults(ctx: PlanContext, lb: readonly LbResult[]): PlannedResult[] {
  const { protocol } = ctx;
  const results: PlannedResult[] = [];
  const resultLines = new Map<string, number>();
  for (const r of lb) {
    const s = ctx.subjectFor(r);
    if (!s) continue;
    const key = `${r.usubjid}\u0000${r.visit}\u0000${r.measure}`;
    const first = resultLines.get(key);
    if (first !== undefined) {
      ctx.issues.add(
        r.file,
        r.line,
        `${r.measure} of ${r.usubjid} at ${r.visit} is already on line ${first}`,
      );
      continue;
    }
    resultLines.set(key, r.line);
    if (ctx.refused(r, s, r.visit)) continue;
    const measureWhy = measureRefusal(protocol, r.visit, r.measure);
    if (measureWhy) {
      ctx.issues.add(r.file, r.line, measureWhy);
      continue;
    }
    const findings = ctx.check(r, s, {
      form: 'result',
      visitCode: r.visit,
      measure: r.measure,
      collectedOn: r.collectedOn,
      result: r.result,
      assay: r.assay,
    });
    if (findings)
      results.push({
        usubjid: r.usubjid,
        line: r.line,
        visit: r.visit,
        measure: r.measure,
        collectedOn: r.collectedOn,
        result: r.result,
        reported: r.reported,
        unit: r.unit,
        assay: r.assay,
        findings,
      });
  }

  return results;
}

/** Adverse events of randomized subjects: relatedness to each drug from SUPPAE AERELn, else AEREL. */
export function planAdverseEvents(
  ctx: PlanContext,
  events: readonly AeEvent[],
  suppae: ReadonlyMap<AeEvent, Readonly<Record<string, Relatedness>>>,
): PlannedAdverseEvent[] {
  const { protocol } = ctx;
  const adverseEvents: PlannedAdverseEvent[] = [];
  for (const e of events) {
    const s = ctx.subjectFor(e, 'adverse event');
    if (!s) continue;
    const given = suppae.get(e) ?? {};
    const relatedness: Record<string, Relatedness> = {};
    const missing: string[] = [];
    for (const d of protocol.drugs) {
      const r = given[d.code] ?? e.relatedness;
      if (r === null) missing.push(d.code);
      else relatedness[d.code] = r;
    }
    if (missing.length > 0) {
      ctx.issues.add(
        e.file,
        e.line,
        `AEREL is empty and SUPPAE gives no relatedness to ${missing.join(', ')} (QNAM ${missing.map((m) => `AEREL${protocol.drugs.findIndex((d) => d.code === m) + 1}`).join(', ')}): the relatedness to each study drug is required`,
      );
      continue;
    }
    const findings = ctx.check(e, s, {
      form: 'adverse_event',
      onsetDate: e.onsetDate,
      endDate: e.endDate,
      codedTerm: e.codedTerm,
      bodySystem: e.bodySystem,
    });
    if (findings)
      adverseEvents.push({
        usubjid: e.usubjid,
        line: e.line,
        verbatimTerm: e.verbatimTerm,
        codedTerm: e.codedTerm,
        bodySystem: e.bodySystem,
        grade: e.grade,
        serious: e.serious,
        relatedness,
        onsetDate: e.onsetDate,
        endDate: e.endDate,
        outcome: e.outcome,
        actionTaken: e.actionTaken,
        findings,
      });
  }

  return adverseEvents;
}

/**
 * Dispositions of randomized subjects, one per phase (the extension's only after its election); a
 * discontinuation for an adverse event names its drug from SUPPDS RELDRUG, else the one drug DSTERM
 * names. Screening dispositions are accepted and not stored (the subject's status carries them).
 */
export function planDispositions(
  ctx: PlanContext,
  records: readonly DsDisposition[],
  suppds: ReadonlyMap<DsDisposition, string>,
  notes: string[],
): PlannedDisposition[] {
  const { protocol } = ctx;
  const dispositions: PlannedDisposition[] = [];
  const dispositionLines = new Map<string, number>();
  let screening = 0;
  for (const d of records) {
    if (d.phase === null) {
      // A screening disposition: the subject's status says it; nothing else is stored.
      const s = ctx.subjectFor(d);
      if (!s) continue;
      if (s.dm.status === 'randomized')
        ctx.issues.add(
          d.file,
          d.line,
          `${d.usubjid} is randomized: a disposition at SCREENING (${d.decod}) contradicts DM`,
        );
      else if (d.outcome === 'screen_failure' && s.dm.status !== 'screen_failed')
        ctx.issues.add(d.file, d.line, `SCREEN FAILURE for ${d.usubjid}, whose ARMCD is not SCRNFAIL`);
      else screening++;
      continue;
    }
    const s = ctx.subjectFor(d, 'disposition');
    if (!s) continue;
    const phase = protocol.phases.find((p) => p.code === d.phase);
    if (phase?.election && !s.electedPhases.includes(phase.code)) {
      ctx.issues.add(
        d.file,
        d.line,
        `${d.usubjid} has not entered the ${phase.code} phase: DS has no EXTENSION ELECTED milestone for them`,
      );
      continue;
    }
    const key = `${d.usubjid}\u0000${d.phase}`;
    const first = dispositionLines.get(key);
    if (first !== undefined) {
      ctx.issues.add(
        d.file,
        d.line,
        `the ${d.phase} disposition of ${d.usubjid} is already on line ${first}`,
      );
      continue;
    }
    dispositionLines.set(key, d.line);
    if (d.outcome === 'screen_failure') continue;
    const reason = d.outcome === 'completed' ? null : d.outcome;
    let relatedDrug: string | null = suppds.get(d) ?? null;
    if (reason === 'adverse_event' && relatedDrug === null) {
      const named = drugsMentioned(protocol, d.term);
      if (named.length > 1) {
        ctx.issues.add(
          d.file,
          d.line,
          `DSTERM names several study drugs (${named.join(', ')}): give the one the discontinuation is attributed to in SUPPDS QNAM RELDRUG`,
        );
        continue;
      }
      relatedDrug = named[0] ?? null;
    }
    const detail =
      d.term !== '' && normalTerm(d.term) !== d.decod
        ? d.term
        : reason === 'other' && d.decod !== 'OTHER'
          ? d.decod
          : null;
    const findings = ctx.check(d, s, { form: 'disposition', date: d.date, detail });
    if (findings)
      dispositions.push({
        usubjid: d.usubjid,
        line: d.line,
        phase: d.phase,
        status: reason === null ? 'completed' : 'discontinued',
        date: d.date,
        reason,
        relatedDrug,
        detail,
        findings,
      });
  }
  if (screening > 0)
    notes.push(`${screening} screening disposition(s) in DS: the subjects' status carries them`);

  return dispositions;
}
