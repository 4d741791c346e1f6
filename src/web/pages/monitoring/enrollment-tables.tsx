import type { ReactNode } from 'react';
import type { Enrollment, EnrollmentCounts } from '../../api/monitoring.js';
import { useStudy } from '../../app/study-context.js';
import { TableWrap } from '../../components/table-wrap.js';

/** The four counts as table cells, in the order of the totals. */
function CountCells({ counts }: { readonly counts: EnrollmentCounts }): ReactNode {
  return (
    <>
      <td className="num">{counts.screened}</td>
      <td className="num">{counts.screenFailed}</td>
      <td className="num">{counts.eligible}</td>
      <td className="num">{counts.randomized}</td>
    </>
  );
}

function CountHeads(): ReactNode {
  return (
    <>
      <th scope="col" className="num">
        Screened
      </th>
      <th scope="col" className="num">
        Screen failures
      </th>
      <th scope="col" className="num">
        Eligible, not yet randomized
      </th>
      <th scope="col" className="num">
        Randomized
      </th>
    </>
  );
}

/** A bar scaled to the busiest site; the number is written next to it, so colour is not the signal. */
function Bar({ value, max }: { readonly value: number; readonly max: number }): ReactNode {
  const width = max === 0 ? 0 : Math.round((value / max) * 100);
  return (
    <div className="bar">
      <div className="bar-track" aria-hidden="true">
        <div className="bar-fill" style={{ width: `${width}%` }} />
      </div>
      <span>{value}</span>
    </div>
  );
}

export function SiteTable({ rows }: { readonly rows: Enrollment['bySite'] }): ReactNode {
  const { siteName } = useStudy();
  const max = Math.max(0, ...rows.map((r) => r.randomized));
  return (
    <section aria-labelledby="by-site-heading">
      <h2 id="by-site-heading">By site</h2>
      {rows.length === 0 ? (
        <p className="muted">No site is open to you in this study.</p>
      ) : (
        <TableWrap className="wrap-heads" label="Enrollment by site table">
          <table>
            <thead>
              <tr>
                <th scope="col">Site</th>
                <CountHeads />
                <th scope="col" className="bar-cell">
                  Randomized, relative to the busiest site
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.siteId}>
                  <th scope="row">{siteName(r.siteId)}</th>
                  <CountCells counts={r} />
                  <td className="bar-cell">
                    <Bar value={r.randomized} max={max} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </section>
  );
}

/** Strata named by the protocol's labels (the codes are for machines). */
export function StratumTable({ rows }: { readonly rows: Enrollment['byFactor'] }): ReactNode {
  const { study } = useStudy();
  const factors = study.protocol.stratification.factors;
  const factorLabel = (code: string): string => factors.find((f) => f.code === code)?.label ?? code;
  const levelLabel = (factor: string, level: string): string =>
    factors.find((f) => f.code === factor)?.levels.find((l) => l.code === level)?.label ?? level;
  return (
    <section aria-labelledby="by-stratum-heading">
      <h2 id="by-stratum-heading">By stratum</h2>
      {rows.length === 0 ? (
        <p className="muted">The protocol stratifies by no factor.</p>
      ) : (
        <TableWrap className="wrap-heads" label="Enrollment by stratum table">
          <table>
            <thead>
              <tr>
                <th scope="col">Factor</th>
                <th scope="col">Level</th>
                <CountHeads />
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={`${r.factor}:${r.level}`}>
                  <td>{factorLabel(r.factor)}</td>
                  <th scope="row">
                    {levelLabel(r.factor, r.level)} <span className="muted">({r.level})</span>
                  </th>
                  <CountCells counts={r.counts} />
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </section>
  );
}

/** Only ever rendered from the server's `byArm`, which only the unblinded statistician receives. */
export function ArmTable({ rows }: { readonly rows: NonNullable<Enrollment['byArm']> }): ReactNode {
  const { study } = useStudy();
  const armName = (code: string): string => study.protocol.arms.find((a) => a.code === code)?.name ?? code;
  return (
    <section aria-labelledby="by-arm-heading">
      <h2 id="by-arm-heading">By arm (unblinded)</h2>
      <TableWrap className="wrap-heads" label="Randomized by arm table">
        <table>
          <thead>
            <tr>
              <th scope="col">Arm</th>
              <th scope="col" className="num">
                Randomized
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.arm}>
                <th scope="row">
                  {armName(r.arm)} <span className="muted">({r.arm})</span>
                </th>
                <td className="num">{r.randomized}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
    </section>
  );
}
