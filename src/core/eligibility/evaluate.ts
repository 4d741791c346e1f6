import type { Criterion, EligibilityRule, Protocol } from '../protocol/schema.js';

export type Answers = Readonly<Record<string, string | number | boolean | null | undefined>>;

/** `met`: the criterion is satisfied (an exclusion is met when it does NOT apply). */
export type CriterionOutcome = 'met' | 'not_met' | 'missing';

export interface CriterionResult {
  readonly code: string;
  readonly kind: Criterion['kind'];
  readonly text: string;
  readonly outcome: CriterionOutcome;
  /** Why, in words: which answer made it fail, or which answer is missing. */
  readonly reason: string;
}

export interface EligibilityResult {
  /** True only when every criterion is met; missing answers make it false, never true. */
  readonly eligible: boolean;
  readonly criteria: readonly CriterionResult[];
}

type Truth = { readonly value: boolean | null; readonly why: string };

function evalRule(rule: EligibilityRule, answers: Answers): Truth {
  if ('all' in rule)
    return combine(
      rule.all.map((r) => evalRule(r, answers)),
      'all',
    );
  if ('any' in rule)
    return combine(
      rule.any.map((r) => evalRule(r, answers)),
      'any',
    );
  if ('not' in rule) {
    const t = evalRule(rule.not, answers);
    return { value: t.value === null ? null : !t.value, why: t.why };
  }
  const actual = answers[rule.field];
  if (actual === undefined || actual === null || actual === '')
    return { value: null, why: `${rule.field} is not answered` };
  const shown = `${rule.field} = ${String(actual)}`;
  switch (rule.op) {
    case 'eq':
      return { value: actual === rule.value, why: shown };
    case 'ne':
      return { value: actual !== rule.value, why: shown };
    case 'in':
      return { value: rule.value.includes(actual as string | number), why: shown };
    case 'notIn':
      return { value: !rule.value.includes(actual as string | number), why: shown };
    case 'between':
      if (typeof actual !== 'number') return { value: null, why: `${rule.field} must be a number` };
      return { value: actual >= rule.value[0] && actual <= rule.value[1], why: shown };
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte': {
      if (typeof actual !== 'number') return { value: null, why: `${rule.field} must be a number` };
      return { value: compare(actual, rule.op, rule.value), why: shown };
    }
  }
}

function compare(a: number, op: 'lt' | 'lte' | 'gt' | 'gte', b: number): boolean {
  switch (op) {
    case 'lt':
      return a < b;
    case 'lte':
      return a <= b;
    case 'gt':
      return a > b;
    case 'gte':
      return a >= b;
  }
}

function combine(parts: readonly Truth[], mode: 'all' | 'any'): Truth {
  const decisive = parts.find((p) => p.value === (mode === 'any'));
  if (decisive) return decisive;
  const missing = parts.find((p) => p.value === null);
  if (missing) return missing;
  return { value: mode === 'all', why: parts.map((p) => p.why).join(', ') };
}

/** Evaluates every eligibility criterion of the protocol against a subject's screening answers. */
export function evaluateEligibility(protocol: Protocol, answers: Answers): EligibilityResult {
  const criteria = protocol.eligibility.criteria.map((c): CriterionResult => {
    const t = evalRule(c.rule, answers);
    const base = { code: c.code, kind: c.kind, text: c.text };
    if (t.value === null) return { ...base, outcome: 'missing', reason: t.why };
    const met = c.kind === 'inclusion' ? t.value : !t.value;
    const reason = met
      ? `met (${t.why})`
      : c.kind === 'inclusion'
        ? `not met: ${t.why}`
        : `excluded: ${t.why}`;
    return { ...base, outcome: met ? 'met' : 'not_met', reason };
  });
  return { eligible: criteria.every((c) => c.outcome === 'met'), criteria };
}
