import type { ReactNode } from 'react';
import type { SubjectSectionProps } from './section.js';

/** Placeholder until the section is built. */
export function AdverseEventsSection(_props: SubjectSectionProps): ReactNode {
  return (
    <section aria-labelledby="adverse-events-section-title" className="panel">
      <h2 id="adverse-events-section-title">Adverse events</h2>
    </section>
  );
}
