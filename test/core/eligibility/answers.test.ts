import { describe, expect, it } from 'vitest';
import { checkAnswers } from '../../../src/core/eligibility/answers.js';
import type { DomainError } from '../../../src/core/errors.js';
import { parseProtocol } from '../../../src/core/protocol/index.js';
import { readProtocol } from '../../support/fixtures.js';

const nr = parseProtocol(readProtocol('protocols/celgosivir-nr-phase2.yaml'), 'nr.yaml');

describe('screening answers', () => {
  it('accepts answers of the right types and leaves unanswered fields out', () => {
    expect(checkAnswers(nr, { age: 40, hcvGenotype: '1b', hivCoinfection: false })).toEqual({
      age: 40,
      hcvGenotype: '1b',
      hivCoinfection: false,
    });
  });

  it('names every bad answer: unknown field, wrong type, choice outside its options', () => {
    try {
      checkAnswers(nr, { age: 'forty', hcvGenotype: '7', shoeSize: 42, hivCoinfection: 'no' });
      expect.fail('should reject');
    } catch (e) {
      expect((e as DomainError).details?.issues).toEqual([
        { path: 'answers.age', message: 'must be a number' },
        { path: 'answers.hcvGenotype', message: 'must be one of 1a, 1b, 1, 2, 3, 4, 5, 6' },
        { path: 'answers.shoeSize', message: 'is not a screening field of this protocol' },
        { path: 'answers.hivCoinfection', message: 'must be true or false' },
      ]);
    }
  });
});
