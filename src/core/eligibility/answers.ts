import { dateProblem } from '../capture/dates.js';
import { validationError, type FieldIssue } from '../errors.js';
import type { Protocol } from '../protocol/schema.js';
import type { Answers } from './evaluate.js';

/** A number answer without a range in the protocol still has to be of a size a measurement can be. */
export const LARGEST_ANSWER = 1e12;

/** Why a number answer is refused (not a number, outside the protocol's plausible range), or null. */
function numberProblem(value: unknown, range: { min?: number; max?: number } | undefined): string | null {
  if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a number';
  const { min, max } = range ?? {};
  if ((min !== undefined && value < min) || (max !== undefined && value > max))
    return `must be ${min !== undefined && max !== undefined ? `from ${min} to ${max}` : min !== undefined ? `at least ${min}` : `at most ${max}`} (the protocol's plausible range)`;
  if (Math.abs(value) > LARGEST_ANSWER) return `must be at most ${LARGEST_ANSWER} in size`;
  return null;
}

/**
 * Checks screening answers against the protocol's fields: known fields only, each of its type (a
 * choice among its options, a date as YYYY-MM-DD from 1900, a number in the field's plausible range). Unanswered fields stay unanswered: eligibility
 * then reports them as missing. Throws naming every bad answer.
 */
export function checkAnswers(protocol: Protocol, answers: Readonly<Record<string, unknown>>): Answers {
  const issues: FieldIssue[] = [];
  const fields = new Map(protocol.eligibility.fields.map((f) => [f.code, f]));
  const out: Record<string, string | number | boolean | null> = {};
  for (const [key, value] of Object.entries(answers)) {
    const field = fields.get(key);
    const path = `answers.${key}`;
    if (!field) {
      issues.push({ path, message: 'is not a screening field of this protocol' });
      continue;
    }
    if (value === null || value === undefined) {
      out[key] = null;
      continue;
    }
    switch (field.type) {
      case 'number': {
        const problem = numberProblem(value, field.plausible);
        if (problem) issues.push({ path, message: problem });
        else out[key] = value as number;
        break;
      }
      case 'boolean':
        if (typeof value !== 'boolean') issues.push({ path, message: 'must be true or false' });
        else out[key] = value;
        break;
      case 'choice': {
        const options = field.options?.map((o) => o.value) ?? [];
        if (typeof value !== 'string' || !options.includes(value))
          issues.push({ path, message: `must be one of ${options.join(', ')}` });
        else out[key] = value;
        break;
      }
      case 'date':
        if (typeof value !== 'string') issues.push({ path, message: 'must be a date as YYYY-MM-DD' });
        else {
          const problem = dateProblem(value);
          if (problem) issues.push({ path, message: problem });
          else out[key] = value;
        }
        break;
      case 'text':
        if (typeof value !== 'string' || value.length > 2000)
          issues.push({ path, message: 'must be text (at most 2000 characters)' });
        else out[key] = value;
        break;
    }
  }
  if (issues.length > 0)
    throw validationError(
      `Invalid screening answers: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`,
      issues,
    );
  return out;
}
