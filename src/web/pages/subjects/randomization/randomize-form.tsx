import { useCallback, useRef, useState, type ReactNode } from 'react';
import { subjectsApi, type Allocation } from '../../../api/subjects.js';
import type { Subject } from '../../../api/types.js';
import { ErrorNotice } from '../../../components/notice.js';
import { useSubmit } from '../../../components/use-submit.js';

/**
 * Randomize, then confirm. One requestId for the subject, made when the confirmation first opens and
 * kept across retries and cancels until the randomization succeeds: if an answer is lost and the user
 * tries again, the server returns the allocation it made instead of making a second one.
 */
export function RandomizeForm({
  subject,
  onRandomized,
}: {
  readonly subject: Subject;
  readonly onRandomized: (allocation: Allocation) => void;
}): ReactNode {
  const [confirming, setConfirming] = useState(false);
  const requestId = useRef<string | null>(null);
  const randomize = useCallback((id: string) => subjectsApi.randomize(subject.id, id), [subject.id]);
  const { submit, busy, error, reset } = useSubmit(randomize);

  if (!confirming)
    return (
      <div className="button-row">
        <button
          type="button"
          onClick={() => {
            requestId.current ??= crypto.randomUUID();
            setConfirming(true);
          }}
        >
          Randomize {subject.screeningNumber}
        </button>
      </div>
    );

  const confirm = async (): Promise<void> => {
    const allocation = await submit(requestId.current ?? crypto.randomUUID());
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
      <ErrorNotice
        error={error}
        title={
          error?.status === 0
            ? 'No answer came back: the subject may have been randomized. Retrying returns that allocation if so'
            : 'The subject was not randomized'
        }
      />
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
            setConfirming(false);
          }}
        >
          Cancel
        </button>
      </div>
    </div>
  );
}
