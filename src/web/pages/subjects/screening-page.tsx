import { useCallback, useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { evaluateEligibility } from '../../../core/eligibility/evaluate.js';
import { subjectsApi, type ScreenInput } from '../../api/subjects.js';
import { Link, navigate } from '../../app/router.js';
import { useCan } from '../../app/session.js';
import { useStudy } from '../../app/study-context.js';
import { SelectField, TextField } from '../../components/fields.js';
import { ErrorNotice, Notice } from '../../components/notice.js';
import { Badge, Page } from '../../components/page.js';
import { useSubmit } from '../../components/use-submit.js';
import { AnswerField } from './screening/answer-field.js';
import { answersOf, localToday, protocolOf, type Draft } from './screening/answers.js';
import { CriteriaList, summarize } from './shared/criteria-list.js';
import './subjects.css';

/**
 * Screens a subject: site, consent date and the protocol's screening questions, with the eligibility
 * checklist recomputed on every change by the core's own evaluation (the code the server runs). The
 * server evaluates again on save and keeps a screen failure as a record too.
 */
export function ScreeningPage({ params }: { readonly params: Record<string, string> }): ReactNode {
  const studyId = params.studyId ?? '';
  const { study, sites, siteName } = useStudy();
  const can = useCan();
  const protocol = protocolOf(study);
  const fields = protocol.eligibility.fields;
  const screenSites = sites.filter((s) => can('subject.screen', studyId, s.id));
  const [siteId, setSiteId] = useState(screenSites.length === 1 ? (screenSites[0]?.id ?? '') : '');
  const [consentedOn, setConsentedOn] = useState(localToday());
  const [draft, setDraft] = useState<Draft>({});
  const answers = useMemo(() => answersOf(fields, draft), [fields, draft]);
  const eligibility = useMemo(() => evaluateEligibility(protocol, answers), [protocol, answers]);

  const screen = useCallback((input: ScreenInput) => subjectsApi.screen(studyId, input), [studyId]);
  const { submit, busy, error, fieldErrors } = useSubmit(screen);

  if (screenSites.length === 0)
    return (
      <Page title="Screen a subject">
        <Notice kind="warning">You hold no role that may screen subjects at a site of this study.</Notice>
      </Page>
    );

  const onSubmit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const saved = await submit({ siteId, consentedOn, answers });
    if (saved) navigate(`/studies/${studyId}/subjects/${saved.id}`);
  };

  return (
    <Page title="Screen a subject">
      <p>
        <Link to={`/studies/${studyId}/subjects`}>Back to the subjects</Link>
      </p>
      <div className="screening-layout">
        <form onSubmit={(e) => void onSubmit(e)} noValidate aria-describedby="screening-note">
          <ErrorNotice
            error={error}
            title={
              error?.status === 0
                ? 'No answer came back: the screening may have been saved. Check the subject list before screening again'
                : 'The screening was not saved'
            }
          />
          <fieldset>
            <legend>Subject</legend>
            <div className="form-grid">
              <SelectField
                label="Site"
                value={siteId}
                onChange={(e) => setSiteId(e.target.value)}
                placeholder="Choose the site"
                options={screenSites.map((s) => ({ value: s.id, label: siteName(s.id) }))}
                error={fieldErrors.siteId}
                required
              />
              <TextField
                label="Date of informed consent"
                type="date"
                value={consentedOn}
                onChange={(e) => setConsentedOn(e.target.value)}
                error={fieldErrors.consentedOn}
                hint="No study data may predate it."
                required
              />
            </div>
          </fieldset>
          <fieldset>
            <legend>Screening answers</legend>
            <div className="form-grid">
              {fields.map((f) => (
                <AnswerField
                  key={f.code}
                  field={f}
                  value={draft[f.code] ?? ''}
                  error={fieldErrors[`answers.${f.code}`]}
                  onChange={(v) => setDraft((d) => ({ ...d, [f.code]: v }))}
                />
              ))}
            </div>
          </fieldset>
          <p id="screening-note" className="muted">
            {eligibility.eligible
              ? 'Every criterion is met: the subject is saved as eligible, ready to randomize.'
              : 'Not every criterion is met: saving records the subject as a screen failure, with the reasons.'}
          </p>
          <div className="button-row">
            <button type="submit" disabled={busy} aria-busy={busy}>
              {busy ? 'Saving…' : eligibility.eligible ? 'Save the screening' : 'Save as screen failure'}
            </button>
          </div>
        </form>
        <aside className="screening-checklist panel" aria-labelledby="checklist-title">
          <h2 id="checklist-title">Eligibility</h2>
          <p aria-live="polite">
            <Badge tone={eligibility.eligible ? 'good' : 'neutral'}>
              {eligibility.eligible ? 'Eligible' : 'Not eligible yet'}
            </Badge>{' '}
            {summarize(eligibility.criteria)}
          </p>
          <CriteriaList criteria={eligibility.criteria} />
        </aside>
      </div>
    </Page>
  );
}
