// The hand-built study of the report tests: both strata, values below the LLOQ and not detected, a
// stratum too small for conclusions, a single value, a dropout, user-entered words with markup
// characters, and extension elections.
import type { AnalysisInput } from '../../../src/core/analysis/index.js';
import type { Protocol } from '../../../src/core/protocol/index.js';
import { buildStudy, NR_PROTOCOL, readProtocol, type SubjectSpec } from '../analysis/support.js';

export const NR = { PRIORRESP: 'NR' };
export const PR = { PRIORRESP: 'PR' };
const done = { MAIN: { status: 'completed' } } as const;

/** An adverse event term and a body system as an investigator might type them. */
export const MARKUP_TERM = '<b>Nausea</b> & "retching"';
export const MARKUP_SYSTEM = "<script>alert('GI')</script>";

export const SUBJECTS: readonly SubjectSpec[] = [
  {
    id: 'T1',
    arm: 'TRIPLE',
    levels: NR,
    results: { D0: 2e6, W4: 2e5, W12: 1e4 },
    dispositions: done,
    election: { option: 'CONTINUE', toArm: 'TRIPLE' },
    adverseEvents: [{ term: 'Diarrhoea', grade: 2, related: { CELGOSIVIR: 'probable' } }],
  },
  {
    id: 'T2',
    arm: 'TRIPLE',
    levels: NR,
    results: { D0: 5e6, W4: 1e5, W12: { kind: 'not_detected', lloq: 15 } },
    dispositions: done,
    election: { option: 'CONTINUE', toArm: 'TRIPLE' },
  },
  { id: 'T3', arm: 'TRIPLE', levels: NR, results: { D0: 8e5, W4: 5e5, W12: 2.5e5 }, dispositions: done },
  { id: 'T4', arm: 'TRIPLE', levels: NR, results: { D0: 1.5e6, W4: 3e5, W12: '<25' }, dispositions: done },
  { id: 'T5', arm: 'TRIPLE', levels: NR, results: { D0: 3e6, W12: 1.2e6 }, dispositions: done },
  {
    id: 'T6',
    arm: 'TRIPLE',
    levels: NR,
    results: { D0: 9e5, W4: 3e5 },
    dispositions: { MAIN: { status: 'discontinued', day: 40, reason: 'adverse_event', drug: 'PEGIFN' } },
    adverseEvents: [
      { term: MARKUP_TERM, system: MARKUP_SYSTEM, grade: 3, serious: true, related: { PEGIFN: 'definite' } },
    ],
  },
  { id: 'D1', arm: 'DOUBLE', levels: NR, results: { D0: 1e6, W4: 6e5, W12: 4e5 }, dispositions: done },
  { id: 'D2', arm: 'DOUBLE', levels: NR, results: { D0: 2.5e6, W4: 2e6, W12: 2e6 }, dispositions: done },
  { id: 'D3', arm: 'DOUBLE', levels: NR, results: { D0: 6e5, W12: 1.5e5 }, dispositions: done },
  {
    id: 'D4',
    arm: 'DOUBLE',
    levels: NR,
    results: { D0: 4e6, W12: 2e4 },
    dispositions: done,
    election: { option: 'SWITCH', toArm: 'TRIPLE' },
  },
  { id: 'D5', arm: 'DOUBLE', levels: NR, results: { D0: 7e5, W8: 5e5 } },
  { id: 'C1', arm: 'CONTROL', levels: NR, results: { D0: 1e6, W4: 9e5, W12: 8e5 }, dispositions: done },
  { id: 'C2', arm: 'CONTROL', levels: NR, results: { D0: 2e6, W4: 1.5e6, W12: 1e6 }, dispositions: done },
  {
    id: 'C3',
    arm: 'CONTROL',
    levels: NR,
    results: { D0: 5e5, W12: 5e3 },
    dispositions: done,
    election: { option: 'SWITCH', toArm: 'TRIPLE' },
  },
  { id: 'C4', arm: 'CONTROL', levels: NR, results: { D0: 3e6, W12: 2.4e6 }, dispositions: done },
  {
    id: 'C5',
    arm: 'CONTROL',
    levels: NR,
    results: { D0: 1.2e6, W12: 6e5 },
    dispositions: done,
    adverseEvents: [{ term: 'Fatigue', system: null, grade: 1 }],
  },
  { id: 'P1', arm: 'TRIPLE', levels: PR, results: { D0: 2e6, W12: 1e4 }, dispositions: done },
  { id: 'P2', arm: 'TRIPLE', levels: PR, results: { D0: 1e6, W12: 5e4 }, dispositions: done },
  { id: 'P3', arm: 'TRIPLE', levels: PR, results: { D0: 4e6, W12: 'TND' }, dispositions: done },
  { id: 'Q1', arm: 'DOUBLE', levels: PR, results: { D0: 1e6, W12: 9e5 }, dispositions: done },
  { id: 'R1', arm: 'CONTROL', levels: PR, results: { D0: 2e6, W12: 1e6 }, dispositions: done },
  { id: 'R2', arm: 'CONTROL', levels: PR, results: { D0: 4e6, W12: 2e6 }, dispositions: done },
];

export const nrProtocol = (): Protocol => readProtocol(NR_PROTOCOL);

/** The hand-built study, with a title a sponsor might type with markup characters in it. */
export function handBuiltStudy(protocol: Protocol = nrProtocol()): AnalysisInput {
  const titled = { ...protocol, title: `${protocol.title} <i>(draft)</i> & "top-line"` };
  return buildStudy(titled, SUBJECTS, { screenFailures: 2, eligible: 1 });
}

export const META = { generatedAt: '2006-11-06T09:00:00Z', version: '0.1.0-test' } as const;
