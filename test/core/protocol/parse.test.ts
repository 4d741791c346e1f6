import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../src/core/errors.js';
import { parseProtocol, type ProtocolIssue } from '../../../src/core/protocol/index.js';
import { readProtocol } from '../../support/fixtures.js';

const NR = 'protocols/celgosivir-nr-phase2.yaml';
const NAIVE = 'protocols/celgosivir-naive-phase2.yaml';
const OTHER = 'test/fixtures/protocols/other-shape.yaml';

function issuesOf(source: string, file = 'broken.yaml'): ProtocolIssue[] {
  try {
    parseProtocol(source, file);
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    expect((e as DomainError).code).toBe('validation');
    return (e as DomainError).details?.issues as ProtocolIssue[];
  }
  throw new Error('expected the protocol to be rejected');
}

describe('reference protocols', () => {
  it('loads the non-responder study with three capped arms, masked celgosivir and open ribavirin', () => {
    const p = parseProtocol(readProtocol(NR), NR);
    expect(p.arms.map((a) => [a.code, a.cap, a.control])).toEqual([
      ['TRIPLE', 20, false],
      ['DOUBLE', 20, false],
      ['CONTROL', 20, true],
    ]);
    expect(p.drugs.find((d) => d.code === 'CELGOSIVIR')?.masked).toBe(true);
    expect(p.drugs.find((d) => d.code === 'RBV')?.masked).toBe(false);
    expect(p.arms.find((a) => a.code === 'DOUBLE')?.treatments.map((t) => t.drug)).not.toContain('RBV');
    expect(p.arms.find((a) => a.code === 'CONTROL')?.treatments[0]).toEqual({
      drug: 'CELGOSIVIR',
      placebo: true,
    });
    expect(p.stratification.factors[0]?.levels.map((l) => l.code)).toEqual(['NR', 'PR']);
    expect(p.randomization).toMatchObject({
      method: 'permuted-blocks',
      blockSizes: [3, 6],
      stratifyBy: ['PRIORRESP'],
    });
    expect(p.visits.map((v) => v.code)).toEqual([
      'SCR',
      'D0',
      'W1',
      'W2',
      'W4',
      'W8',
      'W12',
      'W16',
      'W24',
      'W36',
      'W48',
    ]);
    const ext = p.phases.find((ph) => ph.kind === 'extension');
    expect(ext?.election?.options.map((o) => o.assignment)).toEqual([
      'same',
      { toArm: 'TRIPLE', fromArms: ['DOUBLE', 'CONTROL'] },
    ]);
    expect(p.endpoints.find((e) => e.code === 'EVR')).toMatchObject({
      kind: 'responder',
      of: 'LOGRED_W12',
      threshold: 2,
    });
    expect(p.analysis).toMatchObject({ byFactor: 'PRIORRESP', belowLloq: 'lloq', minimumGroupSize: 5 });
  });

  it('loads the treatment-naive study with two arms and interim analyses at weeks 4 and 12', () => {
    const p = parseProtocol(readProtocol(NAIVE), NAIVE);
    expect(p.arms.map((a) => a.code)).toEqual(['TRIPLE', 'CONTROL']);
    expect(p.analysis.interim.map((i) => i.visit)).toEqual(['W4', 'W12']);
  });

  it('loads a study of another shape: 1:2 allocation, minimization, other visits and endpoints', () => {
    const p = parseProtocol(readProtocol(OTHER), OTHER);
    expect(p.arms.map((a) => a.ratio)).toEqual([1, 2]);
    expect(p.randomization.method).toBe('minimization');
    expect(p.visits.map((v) => v.code)).toEqual(['BASE', 'M3', 'M6']);
    expect(p.endpoints[0]).toMatchObject({ transform: 'none', direction: 'increase' });
  });

  it('fills defaults: ratio 1, no placebo, non-control arms', () => {
    const p = parseProtocol(readProtocol(NR), NR);
    expect(p.arms.every((a) => a.ratio === 1)).toBe(true);
    expect(p.arms[0]?.treatments.every((t) => !t.placebo)).toBe(true);
  });
});

describe('invalid protocol files', () => {
  const nr = readProtocol(NR);

  it('names the file, line, path and reason of an unknown drug in an arm', () => {
    const source = nr.replace(
      'treatments: [{ drug: CELGOSIVIR }, { drug: PEGIFN }]',
      'treatments: [{ drug: CELGOSIVIR }, { drug: PEGINF }]',
    );
    const [issue, ...rest] = issuesOf(source, 'protocols/bad.yaml');
    expect(rest).toEqual([]);
    expect(issue).toMatchObject({ file: 'protocols/bad.yaml', path: 'arms[1].treatments[1].drug' });
    expect(issue?.message).toBe('unknown drug "PEGINF" (known: CELGOSIVIR, PEGIFN, RBV)');
    const line = source.split('\n').findIndex((l) => l.includes('PEGINF')) + 1;
    expect(issue?.line).toBe(line);
  });

  it('puts every problem in the message, each with file:line and path', () => {
    const source = nr
      .replace('blockSizes: [3, 6]', 'blockSizes: [3, 4]')
      .replace('cap: 20\n  - code: DOUBLE', 'cap: -1\n  - code: DOUBLE');
    try {
      parseProtocol(source, 'p.yaml');
      expect.fail('should reject');
    } catch (e) {
      const message = (e as Error).message;
      expect(message).toMatch(/^Protocol p\.yaml has 2 problems:/);
      expect(message).toMatch(
        /p\.yaml:\d+ randomization\.blockSizes\[1\]: block size 4 is not a multiple of the ratio sum 3/,
      );
      expect(message).toMatch(/p\.yaml:\d+ arms\[0\]\.cap: .*>0/);
    }
  });

  it('rejects a duplicate arm code, a placebo of an unmasked drug, and two control arms', () => {
    const source = nr
      .replace('code: DOUBLE', 'code: TRIPLE')
      .replace(
        '{ drug: PEGIFN }, { drug: RBV }]\n    cap: 20\n    control: true',
        '{ drug: PEGIFN, placebo: true }, { drug: RBV }]\n    cap: 20\n    control: true',
      )
      .replace('    cap: 20\n  - code: CONTROL', '    cap: 20\n    control: true\n  - code: CONTROL');
    const issues = issuesOf(source);
    expect(issues.map((i) => [i.path, i.message])).toEqual(
      expect.arrayContaining([
        ['arms[1].code', 'duplicate code "TRIPLE"'],
        ['arms[2].treatments[1].placebo', 'drug "PEGIFN" is not masked, so it has no placebo'],
        ['arms', 'at most one arm can be the control'],
      ]),
    );
  });

  it('rejects references to unknown visits, factors, fields and endpoints', () => {
    const source = nr
      .replace('stratifyBy: [PRIORRESP]', 'stratifyBy: [PRIORRESPONSE]')
      .replace('{ field: hcvRna, op: gte, value: 10000 }', '{ field: viralLoad, op: gte, value: 10000 }')
      .replace('of: LOGRED_W12', 'of: LOGRED_W24')
      .replace('visit: W12\n    direction', 'visit: W13\n    direction');
    const paths = issuesOf(source).map((i) => `${i.path}: ${i.message}`);
    expect(paths).toEqual(
      expect.arrayContaining([
        'randomization.stratifyBy[0]: unknown stratification factor "PRIORRESPONSE" (known: PRIORRESP)',
        expect.stringMatching(
          /^eligibility\.criteria\[3\]\.rule\.field: unknown screening field "viralLoad"/,
        ),
        'endpoints[1].of: unknown endpoint "LOGRED_W24" (known: LOGRED_W12, EVR)',
        expect.stringMatching(/^endpoints\[0\]\.visit: unknown visit "W13"/),
      ]),
    );
  });

  it('rejects an unknown key, so a typo is not silently ignored', () => {
    const issues = issuesOf(nr.replace('    cap: 20\n  - code: DOUBLE', '    capp: 20\n  - code: DOUBLE'));
    expect(issues[0]).toMatchObject({ path: 'arms[0]', message: 'Unrecognized key: "capp"' });
  });

  it('reports a YAML syntax error with its line', () => {
    const issues = issuesOf('schemaVersion: 1\ncode: x\narms: [\n');
    expect(issues[0]?.line).toBeGreaterThanOrEqual(3);
    expect(issues[0]?.path).toBe('');
  });

  it('rejects visits out of day order and a missing main phase', () => {
    const source = nr.replace('day: 7, window', 'day: 70, window').replace('kind: main', 'kind: extension');
    const messages = issuesOf(source).map((i) => `${i.path}: ${i.message}`);
    expect(messages).toContain('visits[3].day: visits must be in order of day (W1 is day 70)');
    expect(messages).toContain('phases: exactly one phase must be the main phase');
  });

  it('rejects an empty file as a whole', () => {
    expect(issuesOf('').length).toBeGreaterThan(0);
  });
});
