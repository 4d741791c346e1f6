import { useCallback, useState } from 'react';
import { ApiError } from '../api/client.js';

export interface Submission<A extends unknown[], T> {
  readonly submit: (...args: A) => Promise<T | undefined>;
  readonly busy: boolean;
  /** The refusal as a whole (shown above the form), if any. */
  readonly error: ApiError | undefined;
  /** The refusal's messages by field path (`answers.age`, `value`…), shown under each field. */
  readonly fieldErrors: Readonly<Record<string, string>>;
  readonly reset: () => void;
}

/**
 * Runs a write and keeps what the server said about it. One write at a time: a second click while
 * the first is in flight does nothing, so a double click never sends two requests.
 */
export function useSubmit<A extends unknown[], T>(action: (...args: A) => Promise<T>): Submission<A, T> {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  const submit = useCallback(
    async (...args: A): Promise<T | undefined> => {
      if (busy) return undefined;
      setBusy(true);
      setError(undefined);
      try {
        return await action(...args);
      } catch (e) {
        setError(e instanceof ApiError ? e : new ApiError(0, 'internal', String(e)));
        return undefined;
      } finally {
        setBusy(false);
      }
    },
    [action, busy],
  );
  const reset = useCallback(() => setError(undefined), []);
  return { submit, busy, error, fieldErrors: error?.fieldMessages() ?? {}, reset };
}
