import type { ReactNode } from 'react';
import type { SubjectSectionProps } from './section.js';

/** Placeholder until the section is built. */
export function ExtensionSection(_props: SubjectSectionProps): ReactNode {
  return (
    <section aria-labelledby="extension-section-title" className="panel">
      <h2 id="extension-section-title">Extension</h2>
    </section>
  );
}
