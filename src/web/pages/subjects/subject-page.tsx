import { useCallback, type ReactNode } from 'react';
import type { Casebook } from '../../api/casebook.js';
import { STATUS_LABEL, statusTone } from '../../api/subjects.js';
import type { Subject } from '../../api/types.js';
import { useStudy } from '../../app/study-context.js';
import { ErrorNotice, Loading } from '../../components/notice.js';
import { Badge, Page } from '../../components/page.js';
import { useResource } from '../../components/use-resource.js';
import { AdverseEventsSection } from './sections/adverse-events-section.js';
import { DispositionSection } from './sections/disposition-section.js';
import { ExtensionSection } from './sections/extension-section.js';
import { QueriesSection } from './sections/queries-section.js';
import { RandomizationSection } from './sections/randomization-section.js';
import { SignatureSection } from './sections/signature-section.js';
import { VisitsSection } from './sections/visits-section.js';
import { CriteriaList } from './shared/criteria-list.js';
import { Strata } from './shared/strata.js';
import './subjects.css';

/** One subject: who they are, their randomization, and every form of their casebook. */
export function SubjectPage({ params }: { readonly params: Record<string, string> }): ReactNode {
  const subjectId = params.subjectId ?? '';
  const { siteName } = useStudy();
  const subject = useResource<Subject>(`/api/subjects/${subjectId}`);
  const casebook = useResource<Casebook>(`/api/subjects/${subjectId}/casebook`);
  const { reload: reloadSubject } = subject;
  const { reload: reloadCasebook } = casebook;
  const reload = useCallback(async () => {
    await Promise.all([reloadSubject(), reloadCasebook()]);
  }, [reloadSubject, reloadCasebook]);
  if (subject.error || casebook.error)
    return <ErrorNotice error={subject.error ?? casebook.error} title="The subject could not be opened" />;
  if (!subject.data || !casebook.data) return <Loading what="the subject" />;
  const props = { subject: subject.data, casebook: casebook.data, reload };
  return (
    <Page title={`Subject ${subject.data.screeningNumber}`}>
      <div className="subject-head">
        <dl className="kv">
          <dt>Status</dt>
          <dd>
            <Badge tone={statusTone(subject.data.status)}>{STATUS_LABEL[subject.data.status]}</Badge>
          </dd>
          <dt>Site</dt>
          <dd>{siteName(subject.data.siteId)}</dd>
          <dt>Consent</dt>
          <dd>{subject.data.consentedOn}</dd>
        </dl>
        <dl className="kv">
          <dt>Strata</dt>
          <dd>
            <Strata levels={subject.data.levels} />
          </dd>
          <dt>Randomization number</dt>
          <dd>{casebook.data.randomizationNumber ?? 'Not randomized'}</dd>
          {casebook.data.day0 ? (
            <>
              <dt>Day 0</dt>
              <dd>{casebook.data.day0}</dd>
            </>
          ) : null}
        </dl>
      </div>
      <details className="panel">
        <summary>
          Eligibility: {subject.data.eligibility.eligible ? 'eligible' : 'not eligible'} (
          {subject.data.eligibility.criteria.filter((c) => c.outcome === 'met').length} of{' '}
          {subject.data.eligibility.criteria.length} criteria met)
        </summary>
        <CriteriaList criteria={subject.data.eligibility.criteria} />
      </details>
      <RandomizationSection {...props} />
      <VisitsSection {...props} />
      <AdverseEventsSection {...props} />
      <DispositionSection {...props} />
      <ExtensionSection {...props} />
      <QueriesSection {...props} />
      <SignatureSection {...props} />
    </Page>
  );
}
