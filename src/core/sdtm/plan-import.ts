import type { Protocol } from '../protocol/schema.js';
import { readAe, readSuppae } from './ae.js';
import { PlanContext } from './context.js';
import { IssueList, rowsOf, type SdtmDataset, type SdtmIssue } from './dataset.js';
import { readDm, readSuppdm } from './dm.js';
import { readDs, readSuppds } from './ds.js';
import { readEx } from './ex.js';
import { readLb, readSv, type Skipped } from './findings.js';
import type { ImportPlan } from './plan.js';
import { visitMatcher } from './protocol-map.js';
import { planAdverseEvents, planDispositions, planResults, planVisits } from './records.js';
import { milestonesOf, planAllocations, planElections, planSubjects, sitesAndSubjects } from './subjects.js';
import { fileOf, SDTM_DOMAINS, type SdtmDomain } from './variables.js';

/** The datasets of one import, by domain. */
export type SdtmDatasets = Readonly<Partial<Record<SdtmDomain, SdtmDataset>>>;

/** The plan when every row is accepted; otherwise the issues (the first thousand) and their number. */
export type PlanOutcome =
  | { readonly ok: true; readonly plan: ImportPlan }
  | { readonly ok: false; readonly issues: readonly SdtmIssue[]; readonly issueCount: number };

/**
 * Maps a study's SDTM datasets onto its protocol: every row is read, checked on its own (columns,
 * controlled terms, dates, the protocol's codes) and against the rest (a known subject, the visit
 * rules and the protocol's edit checks, as captured data is), and becomes a record of the plan. Any
 * refused row fails the whole import: the outcome lists each with its file, line and reason. `today`
 * is the latest date an imported date may have.
 */
export function planImport(protocol: Protocol, datasets: SdtmDatasets, today: string): PlanOutcome {
  const issues = new IssueList();
  const skipped: Skipped = new Map();
  const notes: string[] = [];
  // A dataset whose header is refused is not read; nor are the rows that refer to its records.
  const unreadable = new Set<SdtmDomain>();
  const rows = (d: SdtmDomain, dependsOn?: SdtmDomain) => {
    const dataset = datasets[d];
    if (!dataset || (dependsOn && unreadable.has(dependsOn))) return [];
    const read = rowsOf(dataset, issues);
    if (read === null) unreadable.add(d);
    return read ?? [];
  };
  const failed = (): PlanOutcome => ({
    ok: false,
    issues: issues.list(SDTM_DOMAINS.map((d) => datasets[d]?.file ?? fileOf(d))),
    issueCount: issues.total,
  });

  // Each dataset, row by row.
  const matchVisit = visitMatcher(protocol);
  const dm = readDm(protocol, rows('DM'), issues);
  const known = new Map(dm.subjects.map((s) => [s.usubjid, s]));
  const suppdm = readSuppdm(protocol, rows('SUPPDM', 'DM'), known, dm.refused, issues);
  const sv = datasets.SV ? readSv(rows('SV'), matchVisit, issues, skipped) : null;
  const lb = readLb(protocol, rows('LB'), matchVisit, issues, skipped);
  const ae = readAe(rows('AE'), issues);
  const suppae = readSuppae(protocol, rows('SUPPAE', 'AE'), ae.events, ae.refused, issues);
  const ds = readDs(protocol, rows('DS'), issues, skipped);
  const suppds = readSuppds(protocol, rows('SUPPDS', 'DS'), ds.dispositions, ds.refused, issues);
  const ex = readEx(protocol, rows('EX'), issues);
  // Records are checked against each other only when every dataset could be read.
  if (unreadable.size > 0) return failed();

  // The datasets together.
  const ctx = new PlanContext(protocol, today, issues, known, dm.refused);
  const milestones = milestonesOf(ctx, ds.milestones);
  planSubjects(ctx, dm.subjects, suppdm.levels, milestones);
  const allocations = planAllocations(ctx);
  const elections = planElections(ctx, milestones);
  const visits = planVisits(ctx, sv, lb, notes);
  const results = planResults(ctx, lb);
  const adverseEvents = planAdverseEvents(ctx, ae.events, suppae.byEvent);
  const dispositions = planDispositions(ctx, ds.dispositions, suppds.byDisposition, notes);
  for (const x of ex) ctx.subjectFor(x, 'exposure');
  if (ex.length > 0)
    notes.push(`${ex.length} EX record(s) checked; exposure is not stored (trialdesk keeps kits, not doses)`);

  for (const [why, n] of skipped) notes.push(`${why}: ${n} row(s) not imported`);
  const ignoredQnams = [
    ['SUPPDM', suppdm.ignored],
    ['SUPPAE', suppae.ignored],
    ['SUPPDS', suppds.ignored],
  ] as const;
  for (const [domain, qnams] of ignoredQnams)
    if (qnams.size > 0) notes.push(`${domain} qualifiers not imported: ${[...qnams].sort().join(', ')}`);

  if (issues.total > 0) return failed();
  return {
    ok: true,
    plan: {
      ...sitesAndSubjects(protocol, dm.subjects, ctx.subjects),
      allocations,
      elections,
      visits,
      results,
      adverseEvents,
      dispositions,
      notes,
    },
  };
}
