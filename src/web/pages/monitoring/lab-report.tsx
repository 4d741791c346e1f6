import type { ReactNode } from 'react';
import type { LabReport } from '../../api/monitoring.js';
import { Badge } from '../../components/page.js';
import { TableWrap } from '../../components/table-wrap.js';

/** A dry run's (or a refused import's) report: the counts, then every listed problem by line. */
export function LabReportView({
  report,
  heading,
}: {
  readonly report: LabReport;
  readonly heading: string;
}): ReactNode {
  return (
    <section aria-label={heading}>
      <h3>
        {heading}{' '}
        {report.errorCount === 0 ? (
          <Badge tone="good">no errors</Badge>
        ) : (
          <Badge tone="bad">{report.errorCount} refused row(s)</Badge>
        )}
      </h3>
      <dl className="kv">
        <dt>File</dt>
        <dd>{report.fileName ?? '—'}</dd>
        <dt>Rows read</dt>
        <dd>{report.rows}</dd>
        <dt>Would insert</dt>
        <dd>{report.toInsert}</dd>
        <dt>Already recorded (duplicates)</dt>
        <dd>{report.unchanged}</dd>
        <dt>Refused rows</dt>
        <dd>{report.errorCount}</dd>
        <dt>Edit-check warnings</dt>
        <dd>{report.warningCount} (each opens a query on import)</dd>
      </dl>
      <Problems caption="Refused rows" problems={report.errors} truncated={report.errorsTruncated} />
      <Problems
        caption="Warnings (imported, with a query)"
        problems={report.warnings}
        truncated={report.warningsTruncated}
      />
    </section>
  );
}

function Problems({
  caption,
  problems,
  truncated,
}: {
  readonly caption: string;
  readonly problems: LabReport['errors'];
  readonly truncated: number | undefined;
}): ReactNode {
  if (problems.length === 0) return null;
  return (
    <TableWrap className="wrap-heads" label={`${caption} table`}>
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col" className="num">
              Line
            </th>
            <th scope="col">Reason</th>
          </tr>
        </thead>
        <tbody>
          {problems.map((p, i) => (
            <tr key={`${p.line}:${i}`}>
              <td className="num">{p.line}</td>
              <td>{p.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {truncated ? <p className="muted">… and {truncated} more not listed.</p> : null}
    </TableWrap>
  );
}
