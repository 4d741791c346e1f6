import { lazy, type ComponentType, type LazyExoticComponent, type ReactNode } from 'react';
import { UsersPage } from '../pages/admin/users-page.js';
import { DatabasePage } from '../pages/monitoring/database-page.js';
import { EnrollmentPage } from '../pages/monitoring/enrollment-page.js';
import { InventoryPage } from '../pages/monitoring/inventory-page.js';
import { LabImportPage } from '../pages/monitoring/lab-import-page.js';
import { QueriesPage } from '../pages/monitoring/queries-page.js';
import { StudiesPage } from '../pages/studies-page.js';
import { StudyHomePage } from '../pages/study-home-page.js';
import { ScreeningPage } from '../pages/subjects/screening-page.js';
import { SubjectListPage } from '../pages/subjects/subject-list-page.js';
import { SubjectPage } from '../pages/subjects/subject-page.js';

/** The report page carries the figures' code: loaded only when a statistician opens it. */
const ReportPage = lazy(() =>
  import('../pages/report/report-page.js').then((m) => ({ default: m.ReportPage })),
);

type PageComponent =
  | ComponentType<{ readonly params: Record<string, string> }>
  | LazyExoticComponent<ComponentType<{ readonly params: Record<string, string> }>>;

export interface RouteEntry {
  readonly pattern: string;
  readonly page: PageComponent;
}

/** Every signed-in page. Patterns under /studies/:studyId get the study loaded for them. */
export const ROUTES: readonly RouteEntry[] = [
  { pattern: '/', page: StudiesPage },
  { pattern: '/users', page: UsersPage },
  { pattern: '/studies/:studyId', page: StudyHomePage },
  { pattern: '/studies/:studyId/subjects', page: SubjectListPage },
  { pattern: '/studies/:studyId/subjects/new', page: ScreeningPage },
  { pattern: '/studies/:studyId/subjects/:subjectId', page: SubjectPage },
  { pattern: '/studies/:studyId/enrollment', page: EnrollmentPage },
  { pattern: '/studies/:studyId/queries', page: QueriesPage },
  { pattern: '/studies/:studyId/lab-imports', page: LabImportPage },
  { pattern: '/studies/:studyId/inventory', page: InventoryPage },
  { pattern: '/studies/:studyId/database', page: DatabasePage },
  { pattern: '/studies/:studyId/report', page: ReportPage },
];

export type { ReactNode };
