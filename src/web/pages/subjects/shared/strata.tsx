import type { ReactNode } from 'react';
import { useStudy } from '../../../app/study-context.js';

/** A subject's stratification levels by the protocol's labels: "Non-responder (NR)". */
export function Strata({ levels }: { readonly levels: Readonly<Record<string, string>> }): ReactNode {
  const { study } = useStudy();
  const factors = study.protocol.stratification.factors;
  const shown = factors
    .filter((f) => levels[f.code] !== undefined)
    .map((f) => {
      const code = levels[f.code] ?? '';
      const label = f.levels.find((l) => l.code === code)?.label ?? code;
      return { factor: f.label, text: label === code ? code : `${label} (${code})` };
    });
  if (shown.length === 0) return <span className="muted">None</span>;
  return (
    <>
      {shown.map((s, i) => (
        <span key={s.factor} title={s.factor}>
          {i > 0 ? '; ' : ''}
          {s.text}
        </span>
      ))}
    </>
  );
}
