import type { ReactNode } from 'react';
import type { NextVisit } from '../../../api/subjects.js';
import { Badge } from '../../../components/page.js';

/** `2026-11-25` → `11-25` when the year is the target's own (the window rarely spans a new year). */
const short = (date: string, year: string): string => (date.startsWith(year) ? date.slice(5) : date);

/** "W12 due 2026-12-01, window 11-25 → 12-08", with the state as a word (overdue stands out). */
export function NextVisitText({ visit }: { readonly visit: NextVisit | null }): ReactNode {
  if (!visit) return <span className="muted">None</span>;
  const { nominal, earliest, latest } = visit.window;
  const year = nominal.slice(0, 4);
  return (
    <span className={`next-visit next-visit-${visit.state}`}>
      <span title={visit.label}>
        <strong>{visit.code}</strong> due <span className="nowrap">{nominal}</span>, window{' '}
        <span className="nowrap">
          {short(earliest, year)} → {short(latest, year)}
        </span>
      </span>{' '}
      <DueBadge state={visit.state} />
    </span>
  );
}

export function DueBadge({ state }: { readonly state: NextVisit['state'] }): ReactNode {
  switch (state) {
    case 'overdue':
      return <Badge tone="bad">Overdue</Badge>;
    case 'due':
      return <Badge tone="warn">Due now</Badge>;
    case 'upcoming':
      return <Badge tone="neutral">Upcoming</Badge>;
  }
}
