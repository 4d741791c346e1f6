import type { ReactNode } from 'react';
import type { ApiError } from '../api/client.js';

/** A refusal from the server, announced to screen readers; lists field issues not shown elsewhere. */
export function ErrorNotice({
  error,
  title,
}: {
  readonly error: ApiError | undefined;
  readonly title?: string;
}): ReactNode {
  if (!error) return null;
  return (
    <div className="notice notice-error" role="alert">
      {title ? <strong>{title}: </strong> : null}
      {error.message}
    </div>
  );
}

export function Notice({
  kind = 'info',
  children,
}: {
  readonly kind?: 'info' | 'success' | 'warning';
  readonly children: ReactNode;
}): ReactNode {
  return (
    <div className={`notice notice-${kind}`} role={kind === 'success' ? 'status' : undefined}>
      {children}
    </div>
  );
}

export function Loading({ what }: { readonly what: string }): ReactNode {
  return (
    <p className="loading" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}
