import type { ReactNode } from 'react';
import type { LabImport } from '../../api/monitoring.js';
import { ErrorNotice, Loading } from '../../components/notice.js';
import type { Resource } from '../../components/use-resource.js';
import { TableWrap } from '../../components/table-wrap.js';

/** Imports that wrote results, newest first; the digest tells two files with the same name apart. */
export function ImportHistory({ history }: { readonly history: Resource<LabImport[]> }): ReactNode {
  return (
    <section aria-labelledby="history-heading">
      <h2 id="history-heading">Import history</h2>
      <ErrorNotice error={history.error} title="The import history could not be loaded" />
      {history.data === undefined ? (
        history.error ? null : (
          <Loading what="the import history" />
        )
      ) : history.data.length === 0 ? (
        <p>No file has been imported yet.</p>
      ) : (
        <TableWrap className="wrap-heads" label="Import history table">
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">File</th>
                <th scope="col" className="num">
                  Rows
                </th>
                <th scope="col" className="num">
                  Inserted
                </th>
                <th scope="col" className="num">
                  Already recorded
                </th>
                <th scope="col">By</th>
                <th scope="col">SHA-256</th>
              </tr>
            </thead>
            <tbody>
              {history.data.map((i) => (
                <tr key={i.id}>
                  <td>
                    <time dateTime={i.importedAt}>{new Date(i.importedAt).toLocaleString()}</time>
                  </td>
                  <td>{i.fileName ?? '—'}</td>
                  <td className="num">{i.rows}</td>
                  <td className="num">{i.inserted}</td>
                  <td className="num">{i.unchanged}</td>
                  <td>{i.importedByName ?? '—'}</td>
                  <td>
                    <code title={i.sha256}>{i.sha256.slice(0, 12)}…</code>
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
