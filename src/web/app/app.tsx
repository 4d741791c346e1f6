import { Suspense, type ReactNode } from 'react';
import { Loading } from '../components/notice.js';
import { ChangePasswordPage } from '../pages/change-password-page.js';
import { NotFoundPage } from '../pages/not-found-page.js';
import { SignInPage } from '../pages/sign-in-page.js';
import { Layout } from './layout.js';
import { match, useLocation } from './router.js';
import { ROUTES } from './routes.js';
import { SessionProvider, useSession } from './session.js';
import { StudyProvider } from './study-context.js';

export function App(): ReactNode {
  return (
    <SessionProvider>
      <Shell />
    </SessionProvider>
  );
}

/** Signed out: the sign-in page. On a one-time password: the change. Otherwise the page of the path. */
function Shell(): ReactNode {
  const { me } = useSession();
  const { path } = useLocation();
  if (me === undefined) return <Loading what="trialdesk" />;
  if (me === null) return <SignInPage />;
  if (me.mustChangePassword) return <ChangePasswordPage />;
  for (const route of ROUTES) {
    const params = match(route.pattern, path);
    if (!params) continue;
    const Page = route.page;
    const studyId = params.studyId ?? null;
    const page = (
      <Suspense fallback={<Loading what="the page" />}>
        <Page params={params} />
      </Suspense>
    );
    return (
      <Layout studyId={studyId}>
        {studyId ? (
          <StudyProvider key={studyId} studyId={studyId}>
            {page}
          </StudyProvider>
        ) : (
          page
        )}
      </Layout>
    );
  }
  return (
    <Layout studyId={null}>
      <NotFoundPage />
    </Layout>
  );
}
