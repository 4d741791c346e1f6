import { useCallback, useState, type ReactNode } from 'react';
import { subjectsApi, type Allocation } from '../../../api/subjects.js';
import type { Subject } from '../../../api/types.js';
import { ErrorNotice } from '../../../components/notice.js';
import { useSubmit } from '../../../components/use-submit.js';

/**
 * Randomize, then confirm. One requestId per attempt, made when the confirmation opens and kept
 * across retries: if an answer is lost and the user retries, the server returns the same allocation
 * instead of making a second one. Cancelling ends the attempt.
 */
export function RandomizeForm({
  subject,
  onRandomized,
}: {
  readonly subject: Subject;
  readonly onRandomized: (allocation: Allocation) => void;
}): ReactNode {
  const [requestId, setRequestId] = useState<string | null>(null);
  const randomize = useCallback((id: string) => subjectsApi.randomize(subject.id, id), [subject.id]);
  const { submit, busy, error, reset } = useSubmit(randomize);

  if (requestId === null)
    return (
      <div className="button-row">
        <button type="button" onClick={() => setRequestId(crypto.randomUUID())}>
          Randomize {subject.screeningNumber}
        </button>
      </div>
    );

  const confirm = async (): Promise<void> => {
    const allocation = await submit(requestId);
    if (allocation) onRandomized(allocation);
  };
  return (
    <div className="confirm" role="group" aria-labelledby="randomize-confirm-title">
      <p id="randomize-confirm-title">
        <strong>Randomize subject {subject.screeningNumber}?</strong>
      </p>
      <p>
        The subject gets a randomization number and the first kits are dispensed from the site’s stock. This
        cannot be undone.
      </p>
      <ErrorNotice error={error} title="The subject was not randomized" />
      <div className="button-row">
        <button type="button" onClick={() => void confirm()} disabled={busy} aria-busy={busy}>
          {busy ? 'Randomizing…' : error ? 'Retry the randomization' : 'Confirm randomization'}
        </button>
        <button
          type="button"
          className="button-quiet"
          disabled={busy}
          onClick={() => {
            reset();
            setRequestId(null);
          }}
        >
          Cancel
        </button>
      </div>
    </div>
  );
}
