import { useCallback, useState, type FormEvent, type ReactNode } from 'react';
import { query } from '../../api/client.js';
import { useCan } from '../../app/session.js';
import { useStudy } from '../../app/study-context.js';
import { TextField } from '../../components/fields.js';
import { ErrorNotice, Loading } from '../../components/notice.js';
import { Page } from '../../components/page.js';
import { ReportFrame, type FrameState } from './report-frame.js';
import './report.css';

const TITLE = 'Top-line report';

/**
 * The statistician's top-line report: the server's HTML report (results by arm) framed in the app, with
 * its data cut and a link to open it alone for printing. Anyone else is told why they cannot see it.
 */
export function ReportPage(_props: { readonly params: Record<string, string> }): ReactNode {
  const { study } = useStudy();
  const can = useCan();
  // The same rule as the server's: a blinded user is not even sent to ask for results by arm.
  if (!can('analysis.read', study.id))
    return (
      <Page title={TITLE}>
        <div className="notice notice-warning" role="alert">
          <strong>Only the study’s unblinded statistician can open the top-line report.</strong> It shows
          results by treatment arm, so it stays closed to every blinded role until the study is unblinded.
        </div>
      </Page>
    );
  return <ReportView studyId={study.id} studyCode={study.code} />;
}

function ReportView({
  studyId,
  studyCode,
}: {
  readonly studyId: string;
  readonly studyCode: string;
}): ReactNode {
  // Empty: the server's default cut (today, UTC).
  const [cut, setCut] = useState('');
  const [applied, setApplied] = useState('');
  const [state, setState] = useState<FrameState>({ kind: 'loading' });
  const onState = useCallback((s: FrameState) => setState(s), []);
  const src = `/api/studies/${studyId}/report${query({ dataCut: applied || undefined })}`;
  const busy = state.kind === 'loading';
  const refusal = state.kind === 'refused' ? state.error : undefined;
  const fieldErrors = refusal?.fieldMessages() ?? {};

  const onSubmit = (e: FormEvent): void => {
    e.preventDefault();
    if (busy || cut === applied) return;
    setState({ kind: 'loading' });
    setApplied(cut);
  };

  return (
    <Page
      title={`${TITLE}: ${studyCode}`}
      actions={
        state.kind === 'shown' ? (
          <a className="button" href={src} target="_blank" rel="noopener">
            Open for printing <span className="visually-hidden">(new tab)</span>
          </a>
        ) : null
      }
    >
      {state.kind === 'shown' ? (
        <dl className="kv">
          <dt>Data cut</dt>
          <dd>{state.meta.dataCut ?? '—'}</dd>
          <dt>Generated at</dt>
          <dd>{state.meta.generatedAt ? formatTime(state.meta.generatedAt) : '—'}</dd>
        </dl>
      ) : null}
      <form className="report-cut" onSubmit={onSubmit} noValidate>
        <TextField
          label="Report at data cut"
          type="date"
          value={cut}
          onChange={(e) => setCut(e.target.value)}
          hint="Data dated after this day are left out. Empty: today (UTC)."
          error={fieldErrors.dataCut ?? fieldErrors['query.dataCut']}
        />
        <button type="submit" disabled={busy}>
          {busy ? 'Producing…' : 'Produce report'}
        </button>
      </form>
      <ErrorNotice error={refusal} title="The report could not be produced" />
      {busy ? <Loading what="the report (the analysis runs on the live database)" /> : null}
      <ReportFrame key={src} src={src} onState={onState} />
    </Page>
  );
}

/** An ISO time in the reader's locale, with the ISO form kept for the record. */
function formatTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toLocaleString()} (${iso})`;
}
