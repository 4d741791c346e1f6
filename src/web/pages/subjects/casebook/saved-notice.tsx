import type { ReactNode } from 'react';
import type { Query } from '../../../api/capture.js';
import { Notice } from '../../../components/notice.js';
import { fieldLabel } from './labels.js';

/** What the last write of a section did: saved, and which queries its soft edit checks opened. */
export interface SaveOutcome {
  readonly what: string;
  readonly queries: readonly Query[];
}

/**
 * A soft edit check saves the data and opens a query: the user is told so, with the check's reason,
 * so they can correct the entry now or expect the monitor's question. Announced as a status.
 */
export function SavedNotice({ outcome }: { readonly outcome: SaveOutcome | null }): ReactNode {
  if (!outcome) return null;
  if (outcome.queries.length === 0) return <Notice kind="success">{outcome.what} saved.</Notice>;
  return (
    <div role="status">
      <Notice kind="warning">
        <strong>
          {outcome.what} saved, and{' '}
          {outcome.queries.length === 1 ? 'a query was' : `${outcome.queries.length} queries were`} opened by
          the edit checks:
        </strong>
        <ul>
          {outcome.queries.map((q) => (
            <li key={q.id}>
              {fieldLabel(q.field)}: {q.text}
            </li>
          ))}
        </ul>
      </Notice>
    </div>
  );
}
