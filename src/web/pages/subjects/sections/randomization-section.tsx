import type { ReactNode } from 'react';
import type { SubjectSectionProps } from './section.js';

/** Placeholder until the section is built. */
export function RandomizationSection(_props: SubjectSectionProps): ReactNode {
  return (
    <section aria-labelledby="randomization-section-title" className="panel">
      <h2 id="randomization-section-title">Randomization</h2>
    </section>
  );
}
