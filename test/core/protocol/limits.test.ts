import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../src/core/errors.js';
import { checkAnswers } from '../../../src/core/eligibility/answers.js';
import { parseProtocol, type ProtocolIssue } from '../../../src/core/protocol/index.js';
import { PROTOCOL_LIMITS } from '../../../src/core/protocol/limits.js';
import { readProtocol } from '../../support/fixtures.js';

const NR = 'protocols/celgosivir-nr-phase2.yaml';

function issuesOf(source: string): ProtocolIssue[] {
  try {
    parseProtocol(source, 'p.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    return (e as DomainError).details?.issues as ProtocolIssue[];
  }
  throw new Error('expected the protocol to be rejected');
}

const nrDoc = (): Record<string, unknown> & { arms: object[] } =>
  parse(readProtocol(NR)) as Record<string, unknown> & { arms: object[] };

describe('protocol size limits and hostile protocol files', () => {
  it('refuses a YAML alias bomb naming the cause, instead of expanding it', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]']
      .concat(
        ['b', 'c', 'd', 'e', 'f', 'g'].map(
          (k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdef'[i]}`).join(', ')}]`,
        ),
      )
      .join('\n');
    const [issue] = issuesOf(bomb);
    expect(issue?.message).toMatch(/^cannot be read: .*alias/i);
  });

  it('refuses nesting deeper than any protocol, from YAML text', () => {
    const issues = issuesOf(`${'['.repeat(5000)}${']'.repeat(5000)}`);
    expect(issues.length).toBeGreaterThan(0);
  });

  it('names the list and its limit: 21 arms, too many strata', () => {
    const doc = nrDoc();
    const arms = Array.from({ length: PROTOCOL_LIMITS.arms + 1 }, (_, i) => ({
      ...doc.arms[0],
      code: `A${i}`,
    }));
    expect(issuesOf(stringify({ ...doc, arms }))).toContainEqual(
      expect.objectContaining({ path: 'arms', message: 'at most 20 arms (the protocol size limit)' }),
    );
    const levels = Array.from({ length: 20 }, (_, i) => ({ code: `L${i}`, label: `Level ${i}` }));
    const factors = ['F1', 'F2', 'F3'].map((code) => ({ code, label: code, levels }));
    const messages = issuesOf(stringify({ ...doc, stratification: { factors } })).map((i) => i.message);
    expect(messages).toContain(
      "at most 1000 strata (the product of the factors' levels; the protocol size limit), not 8000",
    );
  });

  it('refuses control characters anywhere in the protocol, naming the path', () => {
    const issues = issuesOf(
      readProtocol(NR).replace('sponsor: MIGENIX Inc.', 'sponsor: "MIGENIX\\u0000 Inc."'),
    );
    expect(issues).toEqual([
      expect.objectContaining({ path: 'sponsor', message: expect.stringMatching(/U\+0000/) }),
    ]);
  });

  it('takes screening answers within the field’s plausible range only', () => {
    const protocol = parseProtocol(readProtocol(NR), NR);
    expect(checkAnswers(protocol, { hcvRna: 2_000_000, neutrophils: 0 })).toEqual({
      hcvRna: 2_000_000,
      neutrophils: 0,
    });
    for (const [answers, path] of [
      [{ hcvRna: 1e308 }, 'answers.hcvRna'],
      [{ neutrophils: -0.1 }, 'answers.neutrophils'],
      [{ age: 121 }, 'answers.age'],
      [{ hcvRna: Number.POSITIVE_INFINITY }, 'answers.hcvRna'],
    ] as const) {
      try {
        checkAnswers(protocol, answers);
        expect.fail(`accepted ${JSON.stringify(answers)}`);
      } catch (e) {
        expect((e as DomainError).details?.issues).toEqual([{ path, message: expect.any(String) }]);
      }
    }
  });

  it('refuses a plausible range whose min exceeds its max', () => {
    const source = readProtocol(NR).replace(
      'plausible: { min: 0, max: 120 }',
      'plausible: { min: 120, max: 0 }',
    );
    expect(issuesOf(source)).toContainEqual(expect.objectContaining({ message: 'min must not exceed max' }));
  });
});
