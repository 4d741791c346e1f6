import type { ReactNode } from 'react';
import type { SubjectSectionProps } from './section.js';

/** Placeholder until the section is built. */
export function VisitsSection(_props: SubjectSectionProps): ReactNode {
  return (
    <section aria-labelledby="visits-section-title" className="panel">
      <h2 id="visits-section-title">Visits and HCV RNA</h2>
    </section>
  );
}
