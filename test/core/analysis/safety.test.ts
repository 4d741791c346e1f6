import { describe, expect, it } from 'vitest';
import { analyze } from '../../../src/core/analysis/index.js';
import type { CountRow } from '../../../src/core/analysis/result-schema.js';
import { buildStudy, NR_PROTOCOL, readProtocol, type SubjectSpec } from './support.js';

const protocol = readProtocol(NR_PROTOCOL);
const GI = 'Gastrointestinal disorders';
const GENERAL = 'General disorders and administration site conditions';

// Counted by hand: see each expectation.
const SUBJECTS: readonly SubjectSpec[] = [
  {
    id: 'A1',
    arm: 'TRIPLE',
    adverseEvents: [
      { term: 'Diarrhoea', system: GI, grade: 1, related: { CELGOSIVIR: 'possible' } },
      { term: 'Diarrhoea', system: GI, grade: 2, related: { CELGOSIVIR: 'probable' }, day: 30 },
      { term: 'Fatigue', system: GENERAL, grade: 1, related: { PEGIFN: 'definite' } },
    ],
  },
  {
    id: 'A2',
    arm: 'TRIPLE',
    adverseEvents: [
      {
        term: 'Nausea',
        system: GI,
        grade: 3,
        serious: true,
        related: { CELGOSIVIR: 'unlikely', PEGIFN: 'possible' },
      },
    ],
  },
  { id: 'A3', arm: 'TRIPLE' },
  {
    id: 'B1',
    arm: 'DOUBLE',
    adverseEvents: [
      {
        term: 'Headache',
        system: 'Nervous system disorders',
        grade: 1,
        related: { CELGOSIVIR: 'not_related' },
      },
      { term: 'Itch', system: null, grade: 2 },
    ],
  },
  { id: 'B2', arm: 'DOUBLE' },
  {
    id: 'C1',
    arm: 'CONTROL',
    adverseEvents: [
      {
        term: 'Influenza like illness',
        system: GENERAL,
        grade: 4,
        serious: true,
        related: { PEGIFN: 'definite', RBV: 'possible' },
      },
    ],
  },
  {
    id: 'C2',
    arm: 'CONTROL',
    adverseEvents: [
      { term: 'Fatigue', system: GENERAL, grade: 1, related: { RBV: 'probable' } },
      // After the data cut (2006-06-30): left out.
      { term: 'Sepsis', system: 'Infections', grade: 5, serious: true, day: 300 },
    ],
  },
];

const safety = analyze(buildStudy(protocol, SUBJECTS, { dataCut: '2006-06-30' })).safety;
const counts = (row: CountRow | undefined): number[] => row?.counts.map((c) => c.subjects) ?? [];

describe('safety tables (subjects, not events; by randomized arm)', () => {
  it('counts subjects with at least one adverse event, with proportions of each arm', () => {
    expect(safety.armTotals).toEqual([
      { arm: 'TRIPLE', n: 3 },
      { arm: 'DOUBLE', n: 2 },
      { arm: 'CONTROL', n: 2 },
    ]);
    expect(safety.anyEvent).toEqual({
      total: 5,
      counts: [
        { arm: 'TRIPLE', subjects: 2, proportion: 2 / 3 },
        { arm: 'DOUBLE', subjects: 1, proportion: 1 / 2 },
        { arm: 'CONTROL', subjects: 2, proportion: 1 },
      ],
    });
  });

  it('counts serious events per subject, leaving out events after the data cut', () => {
    expect(counts(safety.serious)).toEqual([1, 0, 1]);
    expect(safety.maximumGrade.find((g) => g.grade === 5)?.total).toBe(0);
    expect(safety.bySystemAndTerm.map((s) => s.bodySystem)).not.toContain('Infections');
  });

  it('counts subjects related to each drug (possible, probable, definite), not unlikely or not related', () => {
    expect(safety.relatedTo.map((r) => [r.drug, counts(r)])).toEqual([
      ['CELGOSIVIR', [1, 0, 0]],
      ['PEGIFN', [2, 0, 1]],
      ['RBV', [0, 0, 2]],
    ]);
    expect(counts(safety.relatedToAnyDrug)).toEqual([2, 0, 2]);
  });

  it('counts each subject once, at the maximum grade of their events', () => {
    expect(safety.maximumGrade.map((g) => [g.grade, counts(g)])).toEqual([
      [1, [0, 0, 1]],
      [2, [1, 1, 0]],
      [3, [1, 0, 0]],
      [4, [0, 0, 1]],
      [5, [0, 0, 0]],
    ]);
  });

  it('counts subjects by body system and term, most frequent first, uncoded systems named', () => {
    expect(
      safety.bySystemAndTerm.map((s) => [s.bodySystem, counts(s), s.terms.map((t) => [t.term, counts(t)])]),
    ).toEqual([
      [
        GENERAL,
        [1, 0, 2],
        [
          ['Fatigue', [1, 0, 1]],
          ['Influenza like illness', [0, 0, 1]],
        ],
      ],
      [
        GI,
        [2, 0, 0],
        [
          ['Diarrhoea', [1, 0, 0]],
          ['Nausea', [1, 0, 0]],
        ],
      ],
      ['Body system not coded', [0, 1, 0], [['Itch', [0, 1, 0]]]],
      ['Nervous system disorders', [0, 1, 0], [['Headache', [0, 1, 0]]]],
    ]);
  });

  it('states its basis', () => {
    expect(safety.basis).toMatch(/Subjects, not events/);
  });
});
