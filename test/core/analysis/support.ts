// Small hand-built studies for the analysis tests: subjects described by what happened to them, turned
// into the engine's plain input (dates from the protocol's visit days).
import { readFileSync } from 'node:fs';
import { addDays } from '../../../src/core/capture/dates.js';
import type { DiscontinuationReason, Relatedness } from '../../../src/core/capture/vocabulary.js';
import type {
  AdverseEventEntry,
  AnalysisInput,
  DispositionEntry,
  Reassignment,
  ResultEntry,
  ScreenedSubject,
  VisitEntry,
} from '../../../src/core/analysis/index.js';
import type { MeasureResult } from '../../../src/core/labs/result.js';
import { parseProtocol, type Protocol } from '../../../src/core/protocol/index.js';

export const NR_PROTOCOL = 'protocols/celgosivir-nr-phase2.yaml';
export const NAIVE_PROTOCOL = 'protocols/celgosivir-naive-phase2.yaml';
export const OTHER_PROTOCOL = 'test/fixtures/protocols/other-shape.yaml';

export const readProtocol = (path: string): Protocol => parseProtocol(readFileSync(path, 'utf8'), path);

/** A result as written in a spec: a number, `<25` (below that LLOQ), `TND` (no LLOQ given) or a parsed result. */
export type ResultSpec = number | `<${number}` | 'TND' | MeasureResult;

export interface SubjectSpec {
  readonly id: string;
  readonly arm: string;
  readonly levels?: Readonly<Record<string, string>>;
  /** Default 2006-01-02. */
  readonly randomizedOn?: string;
  /** Results of `measure` by visit code, collected on the visit's nominal day (or `{ result, day }`). */
  readonly results?: Readonly<
    Record<string, ResultSpec | { readonly result: ResultSpec; readonly day: number }>
  >;
  readonly measure?: string;
  /** The disposition of each phase: completed on `day` (default the phase's end visit), or discontinued. */
  readonly dispositions?: Readonly<
    Record<
      string,
      | { readonly status: 'completed'; readonly day?: number }
      | {
          readonly status: 'discontinued';
          readonly day: number;
          readonly reason: DiscontinuationReason;
          readonly drug?: string;
        }
    >
  >;
  readonly adverseEvents?: readonly AeSpec[];
  /** An extension election: option and the arm after it, on `day` (default the election visit's day). */
  readonly election?: {
    readonly phase?: string;
    readonly option: string;
    readonly toArm: string;
    readonly day?: number;
  };
}

export interface AeSpec {
  readonly term: string;
  readonly system?: string | null;
  readonly grade?: number;
  readonly serious?: boolean;
  readonly related?: Readonly<Record<string, Relatedness>>;
  readonly day?: number;
}

export interface StudyOptions {
  readonly dataCut?: string;
  readonly screenFailures?: number;
  readonly eligible?: number;
}

const toResult = (spec: ResultSpec): MeasureResult => {
  if (typeof spec === 'number') return { kind: 'value', value: spec };
  if (spec === 'TND') return { kind: 'not_detected', lloq: null };
  if (typeof spec === 'string') return { kind: 'below_lloq', lloq: Number(spec.slice(1)) };
  return spec;
};

/** The analysis input of a hand-built study. */
export function buildStudy(
  protocol: Protocol,
  specs: readonly SubjectSpec[],
  options: StudyOptions = {},
): AnalysisInput {
  const day = (visit: string): number => {
    const v = protocol.visits.find((x) => x.code === visit);
    if (!v) throw new Error(`no visit ${visit}`);
    return v.day;
  };
  const subjects: ScreenedSubject[] = [];
  const visits: VisitEntry[] = [];
  const results: ResultEntry[] = [];
  const adverseEvents: AdverseEventEntry[] = [];
  const dispositions: DispositionEntry[] = [];
  const reassignments: Reassignment[] = [];
  for (const spec of specs) {
    const start = spec.randomizedOn ?? '2006-01-02';
    subjects.push({
      id: spec.id,
      screeningNumber: `WPG-${spec.id}`,
      siteCode: 'WPG',
      status: 'randomized',
      levels: spec.levels ?? {},
      randomization: { arm: spec.arm, date: start },
    });
    const measure = spec.measure ?? protocol.measures[0]?.code ?? 'HCVRNA';
    for (const [visit, r] of Object.entries(spec.results ?? {})) {
      const { result, day: on } = typeof r === 'object' && 'result' in r ? r : { result: r, day: day(visit) };
      const collectedOn = addDays(start, on);
      visits.push({ subjectId: spec.id, visit, date: collectedOn });
      results.push({ subjectId: spec.id, visit, measure, collectedOn, result: toResult(result) });
    }
    for (const [phase, d] of Object.entries(spec.dispositions ?? {})) {
      const endVisit = protocol.phases.find((p) => p.code === phase)?.endVisit ?? '';
      dispositions.push(
        d.status === 'completed'
          ? {
              subjectId: spec.id,
              phase,
              status: 'completed',
              date: addDays(start, d.day ?? day(endVisit)),
              reason: null,
              relatedDrug: null,
            }
          : {
              subjectId: spec.id,
              phase,
              status: 'discontinued',
              date: addDays(start, d.day),
              reason: d.reason,
              relatedDrug: d.drug ?? null,
            },
      );
    }
    for (const ae of spec.adverseEvents ?? [])
      adverseEvents.push({
        subjectId: spec.id,
        verbatimTerm: ae.term.toLowerCase(),
        codedTerm: ae.term,
        bodySystem: ae.system === undefined ? 'Gastrointestinal disorders' : ae.system,
        grade: ae.grade ?? 1,
        serious: ae.serious ?? false,
        relatedness: ae.related ?? {},
        onsetDate: addDays(start, ae.day ?? 10),
      });
    if (spec.election) {
      const phase = spec.election.phase ?? protocol.phases.find((p) => p.election)?.code ?? '';
      const electionVisit = protocol.phases.find((p) => p.code === phase)?.election?.visit ?? '';
      reassignments.push({
        subjectId: spec.id,
        phase,
        option: spec.election.option,
        fromArm: spec.arm,
        toArm: spec.election.toArm,
        date: addDays(start, spec.election.day ?? day(electionVisit)),
      });
    }
  }
  const screened = (n: number, status: 'screen_failed' | 'eligible', prefix: string): ScreenedSubject[] =>
    Array.from({ length: n }, (_, i) => ({
      id: `${prefix}${i + 1}`,
      screeningNumber: `WPG-${prefix}${i + 1}`,
      siteCode: 'WPG',
      status,
      levels: {},
      randomization: null,
    }));
  subjects.push(...screened(options.screenFailures ?? 0, 'screen_failed', 'SF'));
  subjects.push(...screened(options.eligible ?? 0, 'eligible', 'EL'));
  return {
    protocol,
    protocolVersion: 3,
    dataCut: options.dataCut ?? '2006-12-31',
    subjects,
    reassignments,
    visits,
    results,
    adverseEvents,
    dispositions,
  };
}
