import type { ReactNode } from 'react';
import type { Casebook } from '../../../api/casebook.js';
import { Badge } from '../../../components/page.js';
import { timeText } from './labels.js';

/** Whether the casebook is signed, by whom, when and meaning what; or why the last signature lapsed. */
export function SignatureStatus({ casebook }: { readonly casebook: Casebook }): ReactNode {
  const current = casebook.signature;
  if (current)
    return (
      <dl className="kv">
        <dt>Status</dt>
        <dd>
          <Badge tone="good">Signed</Badge>
        </dd>
        <dt>Signed by</dt>
        <dd>{current.signerName}</dd>
        <dt>Signed at</dt>
        <dd>{timeText(current.signedAt)}</dd>
        <dt>Meaning</dt>
        <dd className="signature-statement">{current.statement}</dd>
      </dl>
    );
  const last = [...casebook.signatures].sort((a, b) => b.signedAt.localeCompare(a.signedAt))[0];
  if (last)
    return (
      <dl className="kv">
        <dt>Status</dt>
        <dd>
          <Badge tone="warn">Signature invalidated</Badge>
        </dd>
        <dt>Last signed</dt>
        <dd>
          {last.signerName}, {timeText(last.signedAt)} ({last.meaning})
        </dd>
        <dt>Invalidated</dt>
        <dd>
          {last.invalidatedAt ? timeText(last.invalidatedAt) : ''}
          {last.invalidatedReason ? `: ${last.invalidatedReason}` : ''}
        </dd>
      </dl>
    );
  return (
    <dl className="kv">
      <dt>Status</dt>
      <dd>
        <Badge tone="neutral">Not signed</Badge>
      </dd>
    </dl>
  );
}
