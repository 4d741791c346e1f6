import type { ReactNode } from 'react';
import type { SubjectSectionProps } from './section.js';

/** Placeholder until the section is built. */
export function DispositionSection(_props: SubjectSectionProps): ReactNode {
  return (
    <section aria-labelledby="disposition-section-title" className="panel">
      <h2 id="disposition-section-title">Disposition</h2>
    </section>
  );
}
