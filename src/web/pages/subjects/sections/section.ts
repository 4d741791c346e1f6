import type { Casebook } from '../../../api/casebook.js';
import type { Subject } from '../../../api/types.js';

/** What every section of the subject page gets: the subject, its casebook, and a way to refresh both. */
export interface SubjectSectionProps {
  readonly subject: Subject;
  readonly casebook: Casebook;
  /** Reloads the subject and the casebook after a write. */
  readonly reload: () => Promise<void>;
}
