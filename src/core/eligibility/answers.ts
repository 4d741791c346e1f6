import { validationError, type FieldIssue } from '../errors.js';
import type { Protocol } from '../protocol/schema.js';
import type { Answers } from './evaluate.js';

/**
 * Checks screening answers against the protocol's fields: known fields only, each of its type (a
 * choice among its options, a date as YYYY-MM-DD). Unanswered fields stay unanswered: eligibility
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
      case 'number':
        if (typeof value !== 'number' || !Number.isFinite(value))
          issues.push({ path, message: 'must be a number' });
        else out[key] = value;
        break;
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
        if (
          typeof value !== 'string' ||
          !/^\d{4}-\d{2}-\d{2}$/.test(value) ||
          Number.isNaN(Date.parse(value))
        )
          issues.push({ path, message: 'must be a date as YYYY-MM-DD' });
        else out[key] = value;
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
