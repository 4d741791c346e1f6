import { lazy, type ComponentType, type LazyExoticComponent } from 'react';
import { StudiesPage } from '../pages/studies-page.js';
import { StudyHomePage } from '../pages/study-home-page.js';
import { ScreeningPage } from '../pages/subjects/screening-page.js';
import { SubjectListPage } from '../pages/subjects/subject-list-page.js';
import { SubjectPage } from '../pages/subjects/subject-page.js';

/*
 * The site's pages (subjects, screening, the casebook) are in the first load: they are what most users
 * open. The sponsor's, the statistician's and the admin's pages load when first opened.
 */
const ReportPage = lazy(() =>
  import('../pages/report/report-page.js').then((m) => ({ default: m.ReportPage })),
);
const UsersPage = lazy(() => import('../pages/admin/users-page.js').then((m) => ({ default: m.UsersPage })));
const EnrollmentPage = lazy(() =>
  import('../pages/monitoring/enrollment-page.js').then((m) => ({ default: m.EnrollmentPage })),
);
const QueriesPage = lazy(() =>
  import('../pages/monitoring/queries-page.js').then((m) => ({ default: m.QueriesPage })),
);
const LabImportPage = lazy(() =>
  import('../pages/monitoring/lab-import-page.js').then((m) => ({ default: m.LabImportPage })),
);
const InventoryPage = lazy(() =>
  import('../pages/monitoring/inventory-page.js').then((m) => ({ default: m.InventoryPage })),
);
const DatabasePage = lazy(() =>
  import('../pages/monitoring/database-page.js').then((m) => ({ default: m.DatabasePage })),
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
