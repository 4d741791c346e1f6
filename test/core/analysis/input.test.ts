import { describe, expect, it } from 'vitest';
import { analyze } from '../../../src/core/analysis/index.js';
import { prepareStudy } from '../../../src/core/analysis/input.js';
import { DomainError } from '../../../src/core/errors.js';
import { buildStudy, NR_PROTOCOL, readProtocol, type SubjectSpec } from './support.js';

const protocol = readProtocol(NR_PROTOCOL);
const NR = { PRIORRESP: 'NR' };

describe('the data cut', () => {
  const subjects: SubjectSpec[] = [
    {
      id: 'K1',
      arm: 'TRIPLE',
      levels: NR,
      randomizedOn: '2006-03-01',
      results: { D0: 1e6, W12: 1e4 }, // W12 on 2006-05-24
      dispositions: { MAIN: { status: 'completed' } },
      adverseEvents: [{ term: 'Nausea', day: 100 }],
    },
  ];

  it('leaves out what is dated after it, and says how much', () => {
    const input = buildStudy(protocol, subjects, { dataCut: '2006-05-01' });
    const result = analyze(input);
    const set = result.efficacy.find((s) => s.subset.level === null && s.population.code === 'COMPLETERS');
    expect(set?.arms[0]).toMatchObject({ randomized: 1, inPopulation: 0 });
    expect(result.disposition.consort.arms[0]).toMatchObject({ completed: 0, ongoing: 1 });
    expect(result.safety.anyEvent.total).toBe(0);
    expect(result.warnings).toEqual([
      'results dated after the data cut 2006-05-01, left out: 1',
      'visits dated after the data cut 2006-05-01, left out: 1',
      'adverse events dated after the data cut 2006-05-01, left out: 1',
      'dispositions dated after the data cut 2006-05-01, left out: 1',
    ]);
  });

  it('keeps what is dated on the day of the cut', () => {
    const result = analyze(buildStudy(protocol, subjects, { dataCut: '2006-05-24' }));
    expect(result.disposition.consort.arms[0]).toMatchObject({ completed: 1, ongoing: 0 });
    expect(result.warnings).toEqual(['adverse events dated after the data cut 2006-05-24, left out: 1']);
  });
});

describe('input that contradicts the protocol or itself', () => {
  it('refuses an arm the protocol does not have', () => {
    expect(() => prepareStudy(buildStudy(protocol, [{ id: 'X', arm: 'PLACEBO' }]))).toThrow(
      /on arm PLACEBO, not an arm of the protocol/,
    );
  });

  it('refuses a subject twice, two results of one visit and measure, two dispositions of one phase', () => {
    const input = buildStudy(protocol, [{ id: 'X', arm: 'TRIPLE', results: { D0: 1e6 } }]);
    const subject = input.subjects[0];
    const result = input.results[0];
    if (!subject || !result) throw new Error('no subject');
    expect(() => prepareStudy({ ...input, subjects: [subject, subject] })).toThrow(DomainError);
    expect(() =>
      prepareStudy({ ...input, results: [result, { ...result, result: { kind: 'value', value: 2 } }] }),
    ).toThrow(/Duplicate result of WPG-X at D0 \(HCVRNA\)/);
    const disposition = {
      subjectId: 'X',
      phase: 'MAIN',
      status: 'completed',
      date: '2006-03-27',
      reason: null,
      relatedDrug: null,
    } as const;
    expect(() => prepareStudy({ ...input, dispositions: [disposition, disposition] })).toThrow(
      /Duplicate MAIN disposition of WPG-X/,
    );
  });

  it('refuses a randomized status without a randomization', () => {
    const input = buildStudy(protocol, [{ id: 'X', arm: 'TRIPLE' }]);
    const subjects = input.subjects.map((s) => ({ ...s, randomization: null }));
    expect(() => prepareStudy({ ...input, subjects })).toThrow(
      /is randomized but its randomization says otherwise/,
    );
  });

  it('leaves out data of unknown subjects with a warning, and data of subjects not randomized silently', () => {
    const input = buildStudy(protocol, [{ id: 'X', arm: 'TRIPLE', results: { D0: 1e6 } }], { eligible: 1 });
    const result = input.results[0];
    if (!result) throw new Error('no result');
    const data = prepareStudy({
      ...input,
      results: [
        ...input.results,
        { ...result, subjectId: 'nobody' },
        { ...result, subjectId: 'EL1', visit: 'SCR' },
      ],
    });
    expect(data.warnings).toEqual(['results of subjects not in the input, left out: 1']);
    expect(data.randomized.map((s) => s.results.length)).toEqual([1]);
  });
});
