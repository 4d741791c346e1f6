import type { Action } from '../../core/auth/permissions.js';

/** A page of a study and the permission that makes it worth offering to the user. */
export interface NavItem {
  readonly label: string;
  /** Under /studies/:studyId/ */
  readonly path: string;
  readonly action: Action;
}

/** The study's pages in menu order; a user sees those their roles allow (the server checks again). */
export const STUDY_NAV: readonly NavItem[] = [
  { label: 'Subjects', path: 'subjects', action: 'subject.read' },
  { label: 'Enrollment', path: 'enrollment', action: 'subject.read' },
  { label: 'Queries', path: 'queries', action: 'query.read' },
  { label: 'Lab imports', path: 'lab-imports', action: 'lab.read' },
  { label: 'Drug inventory', path: 'inventory', action: 'supply.read' },
  { label: 'Database lock', path: 'database', action: 'study.lock' },
  { label: 'Top-line report', path: 'report', action: 'analysis.read' },
];
