import { DomainError } from '../errors.js';

/** Which file format a problem belongs to. */
export type FormatName = 'xpt' | 'dataset-json';

/** Where a format problem is and which rule it breaks; every field that is known is given. */
export interface FormatProblem {
  readonly format: FormatName;
  /** A short name of the rule broken, e.g. `variable-name-length`. */
  readonly rule: string;
  readonly dataset?: string;
  readonly variable?: string;
  /** 1-based row (observation) number, for a value. */
  readonly row?: number;
}

/**
 * A dataset, variable or value that the format cannot hold, or a file that is not of the format: a
 * validation error whose details name the dataset, the variable, the row and the rule.
 */
export class FormatError extends DomainError {
  readonly problem: FormatProblem;

  constructor(problem: FormatProblem, reason: string) {
    super('validation', `${where(problem)}${reason}`, { ...problem });
    this.name = 'FormatError';
    this.problem = problem;
  }
}

function where(p: FormatProblem): string {
  const parts: string[] = [];
  if (p.dataset !== undefined) parts.push(`dataset ${p.dataset}`);
  if (p.variable !== undefined) parts.push(`variable ${p.variable}`);
  if (p.row !== undefined) parts.push(`row ${p.row}`);
  return parts.length === 0 ? '' : `${parts.join(', ')}: `;
}
