import { describe, expect, it } from 'vitest';
import { analyze } from '../../../src/core/analysis/index.js';
import type { CountRow } from '../../../src/core/analysis/result-schema.js';
import { buildStudy, NR_PROTOCOL, readProtocol, type SubjectSpec } from './support.js';

const protocol = readProtocol(NR_PROTOCOL);
const counts = (row: CountRow | undefined): number[] => row?.counts.map((c) => c.subjects) ?? [];
const done = { MAIN: { status: 'completed' } } as const;
const w12 = { D0: 1e6, W12: 1e5 };

describe('CONSORT flow and discontinuations before week 12', () => {
  const subjects: SubjectSpec[] = [
    { id: 'S01', arm: 'TRIPLE', results: w12, dispositions: done },
    {
      id: 'S02',
      arm: 'TRIPLE',
      dispositions: { MAIN: { status: 'discontinued', day: 30, reason: 'adverse_event', drug: 'PEGIFN' } },
    },
    {
      id: 'S03',
      arm: 'TRIPLE',
      dispositions: { MAIN: { status: 'discontinued', day: 40, reason: 'adverse_event', drug: 'PEGIFN' } },
    },
    { id: 'S04', arm: 'TRIPLE', results: { D0: 1e6 } },
    { id: 'S05', arm: 'DOUBLE', results: w12, dispositions: done },
    {
      id: 'S06',
      arm: 'DOUBLE',
      dispositions: { MAIN: { status: 'discontinued', day: 20, reason: 'withdrawal_by_subject' } },
    },
    { id: 'S07', arm: 'CONTROL', results: w12, dispositions: done },
    {
      id: 'S08',
      arm: 'CONTROL',
      dispositions: { MAIN: { status: 'discontinued', day: 60, reason: 'adverse_event' } },
    },
    {
      id: 'S09',
      arm: 'CONTROL',
      dispositions: { MAIN: { status: 'discontinued', day: 61, reason: 'adverse_event', drug: 'RBV' } },
    },
    { id: 'S10', arm: 'CONTROL', results: w12, dispositions: done },
    // Randomized after the data cut: at the cut, eligible and not yet randomized.
    { id: 'S11', arm: 'CONTROL', randomizedOn: '2007-01-15' },
  ];
  const result = analyze(buildStudy(protocol, subjects, { screenFailures: 3, eligible: 2 }));
  const { consort, discontinuations } = result.disposition;

  it('counts screened, screen failures, eligible not randomized and randomized', () => {
    expect(consort).toMatchObject({
      screened: 16,
      screenFailures: 3,
      eligibleNotRandomized: 3,
      randomized: 10,
    });
    expect(result.warnings).toContain(
      'randomizations after the data cut 2006-12-31, counted as not randomized: 1',
    );
  });

  it('counts per arm allocated, completed, discontinued, ongoing and analysed per population', () => {
    expect(consort.arms).toEqual([
      {
        arm: 'TRIPLE',
        allocated: 4,
        completed: 1,
        discontinued: 2,
        ongoing: 1,
        analysed: [
          { population: 'ITT', n: 4 },
          { population: 'COMPLETERS', n: 1 },
        ],
      },
      {
        arm: 'DOUBLE',
        allocated: 2,
        completed: 1,
        discontinued: 1,
        ongoing: 0,
        analysed: [
          { population: 'ITT', n: 2 },
          { population: 'COMPLETERS', n: 1 },
        ],
      },
      {
        arm: 'CONTROL',
        allocated: 4,
        completed: 2,
        discontinued: 2,
        ongoing: 0,
        analysed: [
          { population: 'ITT', n: 4 },
          { population: 'COMPLETERS', n: 2 },
        ],
      },
    ]);
  });

  it('counts main-phase discontinuations by reason and by the drug they are attributed to', () => {
    expect(discontinuations).toMatchObject({ phase: 'MAIN', total: 5 });
    expect(counts(discontinuations)).toEqual([2, 1, 2]);
    expect(discontinuations.counts[0]?.proportion).toBe(0.5);
    expect(
      discontinuations.byReason.map((r) => [r.reason, counts(r), r.byDrug.map((d) => [d.drug, counts(d)])]),
    ).toEqual([
      [
        'adverse_event',
        [2, 0, 2],
        [
          ['PEGIFN', [2, 0, 0]],
          ['RBV', [0, 0, 1]],
          [null, [0, 0, 1]],
        ],
      ],
      ['withdrawal_by_subject', [0, 1, 0], []],
    ]);
  });
});

describe('extension status at the data cut', () => {
  const continueOn = (arm: string) => ({ option: 'CONTINUE', toArm: arm });
  const switchToTriple = { option: 'SWITCH', toArm: 'TRIPLE' };
  const subjects: SubjectSpec[] = [
    // Completed the extension (48 weeks).
    {
      id: 'E1',
      arm: 'TRIPLE',
      dispositions: { ...done, EXT: { status: 'completed' } },
      election: continueOn('TRIPLE'),
    },
    // On treatment, 305 days at the cut: from 24 weeks.
    { id: 'E2', arm: 'CONTROL', randomizedOn: '2006-03-01', dispositions: done, election: switchToTriple },
    // On treatment, 152 days at the cut: under 24 weeks.
    {
      id: 'E3',
      arm: 'DOUBLE',
      randomizedOn: '2006-08-01',
      dispositions: done,
      election: continueOn('DOUBLE'),
    },
    // Discontinued on day 130: before 24 weeks.
    {
      id: 'E4',
      arm: 'DOUBLE',
      dispositions: { ...done, EXT: { status: 'discontinued', day: 130, reason: 'adverse_event' } },
      election: switchToTriple,
    },
    // Discontinued on day 200: at 24 weeks or later.
    {
      id: 'E5',
      arm: 'CONTROL',
      dispositions: { ...done, EXT: { status: 'discontinued', day: 200, reason: 'withdrawal_by_subject' } },
      election: switchToTriple,
    },
    // Completed 12 weeks, did not continue.
    { id: 'E6', arm: 'TRIPLE', dispositions: done },
    // Discontinued the main phase.
    {
      id: 'E7',
      arm: 'CONTROL',
      dispositions: { MAIN: { status: 'discontinued', day: 20, reason: 'other' } },
    },
    // Exactly 168 days (24 weeks) at the cut: from 24 weeks.
    {
      id: 'E8',
      arm: 'TRIPLE',
      randomizedOn: '2006-07-16',
      dispositions: done,
      election: continueOn('TRIPLE'),
    },
    // Randomized 2006-07-10 but day 0 (the D0 visit) on 2006-07-20: 164 days, under 24 weeks.
    {
      id: 'E9',
      arm: 'DOUBLE',
      randomizedOn: '2006-07-10',
      results: { D0: { result: 1e6, day: 10 } },
      dispositions: done,
      election: continueOn('DOUBLE'),
    },
  ];
  const extension = analyze(buildStudy(protocol, subjects)).extension;

  it('counts who completed the main phase and who continued', () => {
    expect(extension).toMatchObject({
      phase: 'EXT',
      startVisit: 'W16',
      endVisit: 'W48',
      completedMainPhase: 8,
      continued: 7,
      notContinued: 1,
    });
  });

  it('counts the arm after the election, a switch counting on its new arm', () => {
    expect(extension?.byArm).toEqual([
      { arm: 'TRIPLE', subjects: 5 },
      { arm: 'DOUBLE', subjects: 2 },
      { arm: 'CONTROL', subjects: 0 },
    ]);
    expect(extension?.elections).toEqual([
      { option: 'CONTINUE', fromArm: 'TRIPLE', toArm: 'TRIPLE', subjects: 2 },
      { option: 'CONTINUE', fromArm: 'DOUBLE', toArm: 'DOUBLE', subjects: 2 },
      { option: 'SWITCH', fromArm: 'DOUBLE', toArm: 'TRIPLE', subjects: 1 },
      { option: 'SWITCH', fromArm: 'CONTROL', toArm: 'TRIPLE', subjects: 2 },
    ]);
  });

  it('buckets weeks on treatment at the protocol’s 24-week visit and 48-week end', () => {
    expect(extension?.weeksOnTreatment).toMatchObject({ milestoneWeeks: 24, endWeeks: 48 });
    expect(extension?.weeksOnTreatment.buckets).toEqual([
      { code: 'completed', label: 'completed 48 weeks', subjects: 1 },
      { code: 'ongoing_from_milestone', label: 'on treatment, 24 to 48 weeks (not completed)', subjects: 2 },
      { code: 'ongoing_before_milestone', label: 'on treatment, under 24 weeks', subjects: 2 },
      { code: 'discontinued_before_milestone', label: 'discontinued before 24 weeks', subjects: 1 },
      { code: 'discontinued_from_milestone', label: 'discontinued at 24 weeks or later', subjects: 1 },
    ]);
  });

  it('is null for a protocol without an extension', () => {
    const naive = readProtocol('protocols/celgosivir-naive-phase2.yaml');
    expect(analyze(buildStudy(naive, [{ id: 'N1', arm: 'TRIPLE' }])).extension).toBeNull();
  });
});
