import type { ReactNode } from 'react';
import type { Kit } from '../../../api/subjects.js';
import { useStudy } from '../../../app/study-context.js';
import { TableWrap } from '../../../components/table-wrap.js';

/** The kits dispensed to a subject, by visit then drug: numbers only, never their content. */
export function KitTable({
  kits,
  caption,
}: {
  readonly kits: readonly Kit[];
  readonly caption: string;
}): ReactNode {
  const { study } = useStudy();
  const visitOrder = study.protocol.visits.map((v) => v.code);
  const drugName = (code: string): string => study.protocol.drugs.find((d) => d.code === code)?.name ?? code;
  const sorted = [...kits].sort(
    (a, b) =>
      visitOrder.indexOf(a.visit ?? '') - visitOrder.indexOf(b.visit ?? '') ||
      a.drug.localeCompare(b.drug) ||
      a.kitNumber.localeCompare(b.kitNumber),
  );
  if (kits.length === 0) return <p className="muted">No kit dispensed.</p>;
  return (
    <TableWrap label="Kits table">
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Visit</th>
            <th scope="col">Drug</th>
            <th scope="col">Kit number</th>
            <th scope="col">Dispensed</th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((k) => (
            <tr key={k.kitNumber}>
              <td>{k.visit ?? '—'}</td>
              <td>
                <span title={drugName(k.drug)}>{k.drug}</span>
              </td>
              <th scope="row">
                <code>{k.kitNumber}</code>
              </th>
              <td>{k.dispensedAt ? k.dispensedAt.slice(0, 10) : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}
