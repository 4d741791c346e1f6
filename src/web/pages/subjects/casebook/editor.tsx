import { useEffect, useId, useRef, type FormEvent, type ReactNode } from 'react';
import type { ApiError } from '../../../api/client.js';
import { ErrorNotice } from '../../../components/notice.js';

/**
 * The frame of an inline casebook form: a titled region that takes the focus when it opens (a
 * keyboard user lands in it), the server's refusal as a whole above the fields, and Save/Cancel.
 * Native validation is off: the server's edit checks are the one source of messages, shown by field.
 */
export function Editor({
  title,
  error,
  busy,
  saveLabel,
  onSubmit,
  onCancel,
  children,
}: {
  readonly title: string;
  readonly error: ApiError | undefined;
  readonly busy: boolean;
  readonly saveLabel: string;
  readonly onSubmit: () => void;
  readonly onCancel: () => void;
  readonly children: ReactNode;
}): ReactNode {
  const titleId = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    onSubmit();
  };
  return (
    <form className="casebook-editor" aria-labelledby={titleId} onSubmit={submit} noValidate>
      <h3 id={titleId} ref={heading} tabIndex={-1}>
        {title}
      </h3>
      <ErrorNotice error={error} title="Not saved" />
      {children}
      <div className="button-row">
        <button type="submit" disabled={busy} aria-busy={busy}>
          {busy ? 'Saving…' : saveLabel}
        </button>
        <button type="button" className="button-quiet" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}
