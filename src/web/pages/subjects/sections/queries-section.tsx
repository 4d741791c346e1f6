import type { ReactNode } from 'react';
import type { SubjectSectionProps } from './section.js';

/** Placeholder until the section is built. */
export function QueriesSection(_props: SubjectSectionProps): ReactNode {
  return (
    <section aria-labelledby="queries-section-title" className="panel">
      <h2 id="queries-section-title">Queries</h2>
    </section>
  );
}
