import type { ReactNode } from 'react';
import type { SiteInventory } from '../../api/monitoring.js';
import { useStudy } from '../../app/study-context.js';
import { Badge } from '../../components/page.js';
import { TableWrap } from '../../components/table-wrap.js';

/**
 * Stock columns as the server keys them: a drug code, or `DRUG:content` for a masked drug when the
 * caller is unblinded. The page only shows the keys it receives; it never splits a total itself.
 */
function stockColumns(rows: readonly SiteInventory[]): string[] {
  return [...new Set(rows.flatMap((r) => Object.keys(r.stock)))].sort();
}

export function InventoryTable({ rows }: { readonly rows: readonly SiteInventory[] }): ReactNode {
  const { siteName } = useStudy();
  const columns = stockColumns(rows);
  if (rows.length === 0) return <p className="muted">No site is open to you in this study.</p>;
  return (
    <TableWrap className="wrap-heads" label="Stock table">
      <table>
        <caption>Usable kits per drug (expired, damaged and dispensed kits excluded)</caption>
        <thead>
          <tr>
            <th scope="col">Site</th>
            {columns.map((c) => (
              <th key={c} scope="col" className="num">
                {c.replace(':', ' · ')}
              </th>
            ))}
            <th scope="col" className="num">
              Kits in transit
            </th>
            <th scope="col" className="num">
              Subjects it can randomize
            </th>
            <th scope="col">Stock</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.siteId}>
              <th scope="row">{siteName(r.siteId)}</th>
              {columns.map((c) => (
                <td key={c} className="num">
                  {r.stock[c] ?? 0}
                </td>
              ))}
              <td className="num">{r.inTransit}</td>
              <td className="num">{r.subjectsCovered}</td>
              <td>
                {r.warnings.length > 0 ? (
                  <>
                    <Badge tone="bad">Low stock</Badge>
                    <ul className="warning-list">
                      {r.warnings.map((w) => (
                        <li key={w}>{w}</li>
                      ))}
                    </ul>
                  </>
                ) : (
                  <Badge tone="good">Sufficient</Badge>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}
