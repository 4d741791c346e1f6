import type { ReactNode } from 'react';
import type { SubjectSectionProps } from './section.js';

/** Placeholder until the section is built. */
export function SignatureSection(_props: SubjectSectionProps): ReactNode {
  return (
    <section aria-labelledby="signature-section-title" className="panel">
      <h2 id="signature-section-title">Investigator signature</h2>
    </section>
  );
}
