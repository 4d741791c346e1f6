import { useCallback, useId, useState, type FormEvent, type ReactNode } from 'react';
import { capture, type QueryStep, type QueryThread } from '../../../api/capture.js';
import type { StudyDetail } from '../../../api/types.js';
import { useCan } from '../../../app/session.js';
import { TextArea } from '../../../components/fields.js';
import { ErrorNotice } from '../../../components/notice.js';
import { Badge } from '../../../components/page.js';
import { useSubmit } from '../../../components/use-submit.js';
import { fieldLabel, formLabel, timeText } from './labels.js';

const STATUS = {
  open: { tone: 'warn', word: 'Open' },
  answered: { tone: 'info', word: 'Answered' },
  closed: { tone: 'good', word: 'Closed' },
} as const;

const MESSAGE_WORD = { open: 'Question', answer: 'Answer', reopen: 'Re-opened', close: 'Closed' } as const;

/** A query with its thread and, for whoever may take the next step, the form to take it. */
export function QueryItem({
  protocol,
  query,
  aeTerms,
  onStep,
}: {
  readonly protocol: StudyDetail['protocol'];
  readonly query: QueryThread;
  readonly aeTerms: ReadonlyMap<number, string>;
  readonly onStep: () => Promise<void>;
}): ReactNode {
  const headingId = useId();
  const can = useCan();
  const [text, setText] = useState('');
  const step = useSubmit(
    useCallback(
      async (kind: QueryStep) => {
        await capture.stepQuery(query.id, kind, text);
        setText('');
        await onStep();
      },
      [query.id, text, onStep],
    ),
  );
  const status = STATUS[query.status];
  const mayAnswer = query.status === 'open' && can('query.answer', query.studyId, query.siteId);
  const mayClose = query.status !== 'closed' && can('query.close', query.studyId, query.siteId);
  const submit = (kind: QueryStep) => (e: FormEvent) => {
    e.preventDefault();
    void step.submit(kind);
  };
  return (
    <article className="query-item" aria-labelledby={headingId}>
      <h3 id={headingId}>
        <span>
          {formLabel(protocol, query.form, aeTerms)} · {fieldLabel(query.field)}
        </span>
        <Badge tone={status.tone}>{status.word}</Badge>
      </h3>
      <p className="muted">
        {query.origin === 'edit_check' ? `Raised by edit check ${query.check ?? ''}` : 'Raised by review'} on{' '}
        {timeText(query.createdAt)}
      </p>
      <ol className="query-thread" aria-label="Thread">
        {query.messages.map((m, i) => (
          <li key={i}>
            <div className="who-said">
              <strong>{MESSAGE_WORD[m.kind]}</strong> · {m.authorName} ({m.authorRole.replace(/_/g, ' ')}) ·{' '}
              {timeText(m.at)}
            </div>
            <div>{m.text}</div>
          </li>
        ))}
      </ol>
      {mayAnswer || mayClose ? (
        <form onSubmit={submit(mayAnswer ? 'answer' : 'close')} noValidate>
          <ErrorNotice error={step.error} title="Not sent" />
          <TextArea
            label={mayAnswer ? 'Answer' : 'Note for closing or re-opening'}
            required
            value={text}
            onChange={(e) => setText(e.currentTarget.value)}
            error={step.fieldErrors.text}
          />
          <div className="button-row">
            {mayAnswer ? (
              <button type="submit" disabled={step.busy} aria-busy={step.busy}>
                Send answer
              </button>
            ) : (
              <>
                <button type="submit" disabled={step.busy} aria-busy={step.busy}>
                  Close query
                </button>
                {query.status === 'answered' ? (
                  <button
                    type="button"
                    className="button-quiet"
                    disabled={step.busy}
                    onClick={() => void step.submit('reopen')}
                  >
                    Re-open query
                  </button>
                ) : null}
              </>
            )}
          </div>
        </form>
      ) : null}
    </article>
  );
}
