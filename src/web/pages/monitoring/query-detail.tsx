import { useCallback, useState, type FormEvent, type ReactNode } from 'react';
import { stepQuery, type QueryStatus, type QueryStep, type QueryThread } from '../../api/monitoring.js';
import { useCan } from '../../app/session.js';
import { TextArea } from '../../components/fields.js';
import { ErrorNotice, Loading } from '../../components/notice.js';
import { Badge } from '../../components/page.js';
import { useResource } from '../../components/use-resource.js';
import { useSubmit } from '../../components/use-submit.js';

const TONE = { open: 'warn', answered: 'info', closed: 'good' } as const;

export function QueryStatusBadge({ status }: { readonly status: QueryStatus }): ReactNode {
  return <Badge tone={TONE[status]}>{status}</Badge>;
}

const STEP_LABEL: Record<QueryStep, string> = {
  answer: 'Answer',
  close: 'Close query',
  reopen: 'Re-open with a further question',
};
const STEP_DONE: Record<QueryStep, string> = {
  answer: 'Answer sent.',
  close: 'Query closed.',
  reopen: 'Query re-opened.',
};

/** The steps the server would accept from this status (the same rule as the query service). */
const STEPS_FROM: Record<QueryStatus, readonly QueryStep[]> = {
  open: ['answer', 'close'],
  answered: ['close', 'reopen'],
  closed: [],
};

/** One query's thread, fetched fresh, with the steps the user's role may take from its status. */
export function QueryDetail({
  queryId,
  onChanged,
}: {
  readonly queryId: string;
  /** Told what was done: the page says it, since the query may leave the filtered list. */
  readonly onChanged: (message: string) => Promise<void>;
}): ReactNode {
  const thread = useResource<QueryThread>(`/api/queries/${queryId}`);
  const q = thread.data;
  if (!q) return thread.error ? <ErrorNotice error={thread.error} /> : <Loading what="the thread" />;
  return (
    <div>
      <h3>
        Query on {q.screeningNumber} · <code>{q.form}</code> / <code>{q.field}</code>{' '}
        {q.origin === 'edit_check' ? <Badge>edit check</Badge> : null}
      </h3>
      <ol className="thread" aria-label="Thread">
        {q.messages.map((m, i) => (
          <li key={i}>
            <div className="thread-meta">
              {m.kind} · {m.authorName} ({m.authorRole.replace(/_/g, ' ')}) ·{' '}
              <time dateTime={m.at}>{new Date(m.at).toLocaleString()}</time>
            </div>
            <div>{m.text}</div>
          </li>
        ))}
      </ol>
      <StepForm
        query={q}
        onDone={async (message) => {
          await Promise.all([thread.reload(), onChanged(message)]);
        }}
      />
    </div>
  );
}

function StepForm({
  query: q,
  onDone,
}: {
  readonly query: QueryThread;
  readonly onDone: (message: string) => Promise<void>;
}): ReactNode {
  const can = useCan();
  const [text, setText] = useState('');
  const steps = STEPS_FROM[q.status].filter((s) =>
    can(s === 'answer' ? 'query.answer' : 'query.close', q.studyId, q.siteId),
  );
  const run = useCallback(
    async (step: QueryStep) => {
      const after = await stepQuery(q.id, step, text);
      setText('');
      await onDone(`${STEP_DONE[step]} The query on ${after.screeningNumber} is now ${after.status}.`);
    },
    [q.id, text, onDone],
  );
  const { submit, busy, error, fieldErrors } = useSubmit(run);
  if (steps.length === 0)
    return (
      <p className="muted">
        {q.status === 'closed' ? 'The query is closed.' : 'Your role takes no step on this query now.'}
      </p>
    );
  // The submitter names the step: one message box serves answer, close and re-open.
  const onSubmit = (e: FormEvent<HTMLFormElement>): void => {
    e.preventDefault();
    const submitter = (e.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
    const step = (submitter?.value ?? steps[0]) as QueryStep;
    void submit(step);
  };
  return (
    <form onSubmit={onSubmit} aria-label={`Respond to the query on ${q.screeningNumber}`}>
      <ErrorNotice error={error} title="Not saved" />
      <TextArea
        label="Message"
        hint="Required: it is kept in the thread and the audit trail."
        value={text}
        onChange={(e) => setText(e.target.value)}
        error={fieldErrors.text}
        maxLength={2000}
      />
      <div className="button-row">
        {steps.map((s) => (
          <button
            key={s}
            type="submit"
            value={s}
            disabled={busy}
            className={s === 'close' ? 'button-quiet' : undefined}
          >
            {busy ? 'Saving…' : STEP_LABEL[s]}
          </button>
        ))}
      </div>
    </form>
  );
}
