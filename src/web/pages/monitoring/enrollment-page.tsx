import type { ReactNode } from 'react';
import { enrollmentPath, type Enrollment } from '../../api/monitoring.js';
import { useStudy } from '../../app/study-context.js';
import { ErrorNotice, Loading } from '../../components/notice.js';
import { Page } from '../../components/page.js';
import { useResource } from '../../components/use-resource.js';
import { ArmTable, SiteTable, StratumTable } from './enrollment-tables.js';
import './monitoring.css';

/**
 * Enrollment in all, by site and by stratum. Arms appear only when the server sends `byArm` (the
 * unblinded statistician): the page never asks for them, so a blinded user sees no word about arms.
 */
export function EnrollmentPage(_props: { readonly params: Record<string, string> }): ReactNode {
  const { study } = useStudy();
  const enrollment = useResource<Enrollment>(enrollmentPath(study.id));
  const data = enrollment.data;
  return (
    <Page title="Enrollment">
      <ErrorNotice error={enrollment.error} title="Enrollment could not be loaded" />
      {data ? (
        <>
          <Totals total={data.total} />
          <SiteTable rows={data.bySite} />
          <StratumTable rows={data.byFactor} />
          {data.byArm ? <ArmTable rows={data.byArm} /> : null}
        </>
      ) : enrollment.error ? null : (
        <Loading what="enrollment" />
      )}
    </Page>
  );
}

function Totals({ total }: { readonly total: Enrollment['total'] }): ReactNode {
  return (
    <section aria-labelledby="totals-heading">
      <h2 id="totals-heading">In all</h2>
      <dl className="figures">
        <div>
          <dt>Screened</dt>
          <dd>{total.screened}</dd>
        </div>
        <div>
          <dt>Screen failures</dt>
          <dd>{total.screenFailed}</dd>
        </div>
        <div>
          <dt>Eligible, not yet randomized</dt>
          <dd>{total.eligible}</dd>
        </div>
        <div>
          <dt>Randomized</dt>
          <dd>{total.randomized}</dd>
        </div>
      </dl>
    </section>
  );
}
