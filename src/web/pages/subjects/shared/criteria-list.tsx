import type { ReactNode } from 'react';
import type { CriterionResult } from '../../../../core/eligibility/evaluate.js';
import { Badge } from '../../../components/page.js';

const OUTCOME: Record<CriterionResult['outcome'], { word: string; tone: 'good' | 'bad' | 'neutral' }> = {
  met: { word: 'Met', tone: 'good' },
  not_met: { word: 'Not met', tone: 'bad' },
  missing: { word: 'Not yet answered', tone: 'neutral' },
};

/** Each criterion with its outcome as a word and the reason the core gave for it. */
export function CriteriaList({ criteria }: { readonly criteria: readonly CriterionResult[] }): ReactNode {
  return (
    <ul className="criteria">
      {criteria.map((c) => (
        <li key={c.code} data-outcome={c.outcome}>
          <Badge tone={OUTCOME[c.outcome].tone}>{OUTCOME[c.outcome].word}</Badge>
          <span>
            <strong>{c.code}</strong> ({c.kind}): {c.text}
          </span>
          <span className="criterion-reason">{c.reason}</span>
        </li>
      ))}
    </ul>
  );
}

/** Counts by outcome, for a one-line summary a screen reader can follow as it changes. */
export function summarize(criteria: readonly CriterionResult[]): string {
  const n = (o: CriterionResult['outcome']): number => criteria.filter((c) => c.outcome === o).length;
  if (criteria.every((c) => c.outcome === 'met')) return `All ${criteria.length} criteria met: eligible`;
  const parts = [`${n('met')} met`, `${n('not_met')} not met`, `${n('missing')} not yet answered`];
  return `${parts.join(', ')} of ${criteria.length}`;
}
