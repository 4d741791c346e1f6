import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../src/core/errors.js';
import {
  DEFAULT_EDIT_CHECKS,
  OPTIONAL_FIELDS,
  parseProtocol,
  type ProtocolIssue,
} from '../../../src/core/protocol/index.js';
import { readProtocol } from '../../support/fixtures.js';

const nr = readProtocol('protocols/celgosivir-nr-phase2.yaml');
const OTHER = 'test/fixtures/protocols/other-shape.yaml';

/** The NR protocol with its editChecks block replaced by these YAML lines. */
const withChecks = (...lines: string[]): string =>
  `${nr.slice(0, nr.indexOf('editChecks:'))}editChecks:\n${lines.map((l) => `  - ${l}`).join('\n')}\n`;

function issuesOf(source: string): ProtocolIssue[] {
  try {
    parseProtocol(source, 'checks.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    return (e as DomainError).details?.issues as ProtocolIssue[];
  }
  throw new Error('expected the protocol to be rejected');
}
const described = (source: string): string[] => issuesOf(source).map((i) => `${i.path}: ${i.message}`);

describe('edit checks in the protocol file', () => {
  it('loads the reference study’s checks as declared', () => {
    const p = parseProtocol(nr, 'nr.yaml');
    expect(p.editChecks).toEqual([
      { code: 'PLAUSIBLE', kind: 'plausibility', severity: 'hard' },
      { code: 'HCV_HIGH', kind: 'range', measure: 'HCVRNA', max: 50_000_000, severity: 'soft' },
      { code: 'NOT_FUTURE', kind: 'not-in-future', severity: 'hard' },
      { code: 'AFTER_CONSENT', kind: 'after-consent', severity: 'hard' },
      { code: 'END_AFTER_ONSET', kind: 'end-after-onset', severity: 'hard' },
      { code: 'WINDOW', kind: 'visit-window', severity: 'soft' },
      { code: 'ASSAY', kind: 'required', form: 'result', field: 'assay', severity: 'hard' },
      { code: 'AE_CODED', kind: 'required', form: 'adverse_event', field: 'codedTerm', severity: 'soft' },
      { code: 'AE_SYSTEM', kind: 'required', form: 'adverse_event', field: 'bodySystem', severity: 'soft' },
    ]);
    expect(p.measures[0]).toMatchObject({ plausible: { minExclusive: 0, max: 1e9 }, lloq: 15 });
  });

  it('gives a protocol that declares no checks the built-in ones', () => {
    const p = parseProtocol(readProtocol(OTHER), 'other.yaml');
    expect(p.editChecks).toEqual(DEFAULT_EDIT_CHECKS);
    expect(p.editChecks.map((c) => c.kind)).toEqual([
      'plausibility',
      'not-in-future',
      'after-consent',
      'end-after-onset',
      'visit-window',
    ]);
    // Each protocol gets its own copy.
    expect(p.editChecks).not.toBe(DEFAULT_EDIT_CHECKS);
  });

  it('fills each kind’s default severity: hard, except range and window checks', () => {
    const p = parseProtocol(
      withChecks(
        '{ code: P, kind: plausibility }',
        '{ code: R, kind: range, measure: HCVRNA, min: 10 }',
        '{ code: F, kind: not-in-future }',
        '{ code: C, kind: after-consent }',
        '{ code: E, kind: end-after-onset }',
        '{ code: W, kind: visit-window }',
        '{ code: Q, kind: required, form: disposition, field: detail }',
      ),
      'defaults.yaml',
    );
    expect(p.editChecks.map((c) => `${c.code}:${c.severity}`)).toEqual([
      'P:hard',
      'R:soft',
      'F:hard',
      'C:hard',
      'E:hard',
      'W:soft',
      'Q:hard',
    ]);
  });

  it('rejects a range check on an unknown measure', () => {
    expect(described(withChecks('{ code: HIGH, kind: range, measure: ALT, max: 40 }'))).toEqual([
      'editChecks[0].measure: unknown measure "ALT" (known: HCVRNA)',
    ]);
  });

  it('rejects a range check without limits', () => {
    expect(described(withChecks('{ code: HIGH, kind: range, measure: HCVRNA }'))).toEqual([
      'editChecks[0]: a range check needs min, max or both',
    ]);
  });

  it('rejects a required check on a field every form needs anyway, or one the form lacks', () => {
    expect(
      described(
        withChecks(
          '{ code: R1, kind: required, form: result, field: collectedOn }',
          '{ code: R2, kind: required, form: adverse_event, field: grade }',
          '{ code: R3, kind: required, form: disposition, field: colour }',
        ),
      ),
    ).toEqual([
      'editChecks[0].field: "collectedOn" is not an optional field of the result form (known: assay)',
      'editChecks[1].field: "grade" is not an optional field of the adverse_event form (known: codedTerm, bodySystem, endDate)',
      'editChecks[2].field: "colour" is not an optional field of the disposition form (known: detail)',
    ]);
    expect(OPTIONAL_FIELDS.adverse_event).toEqual(['codedTerm', 'bodySystem', 'endDate']);
  });

  it('rejects a required check on a form that has none, an unknown kind, and a hard window check', () => {
    const paths = issuesOf(
      withChecks(
        '{ code: R1, kind: required, form: visit, field: visitDate }',
        '{ code: X, kind: spelling }',
        '{ code: W, kind: visit-window, severity: hard }',
      ),
    ).map((i) => i.path);
    expect(paths).toEqual(['editChecks[0].form', 'editChecks[1].kind', 'editChecks[2].severity']);
  });

  it('rejects duplicate check codes, unknown keys and bad severities', () => {
    expect(
      described(withChecks('{ code: P, kind: plausibility }', '{ code: P, kind: not-in-future }')),
    ).toEqual(['editChecks[1].code: duplicate code "P"']);
    expect(issuesOf(withChecks('{ code: P, kind: plausibility, max: 5 }'))[0]).toMatchObject({
      path: 'editChecks[0]',
      message: 'Unrecognized key: "max"',
    });
    expect(issuesOf(withChecks('{ code: P, kind: plausibility, severity: fatal }'))[0]?.path).toBe(
      'editChecks[0].severity',
    );
    expect(issuesOf(withChecks('{ code: lower, kind: plausibility }'))[0]?.path).toBe('editChecks[0].code');
  });

  it('accepts an empty list: a protocol may switch every check off', () => {
    expect(
      parseProtocol(`${nr.slice(0, nr.indexOf('editChecks:'))}editChecks: []\n`, 'none.yaml').editChecks,
    ).toEqual([]);
  });
});
