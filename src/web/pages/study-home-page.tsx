import { useEffect, type ReactNode } from 'react';
import { STUDY_NAV } from '../app/navigation.js';
import { navigate } from '../app/router.js';
import { useCan } from '../app/session.js';
import { useStudy } from '../app/study-context.js';
import { Notice } from '../components/notice.js';
import { Page } from '../components/page.js';

/** Opens the first page the user's roles allow in the study. */
export function StudyHomePage(): ReactNode {
  const { study } = useStudy();
  const can = useCan();
  const first = STUDY_NAV.find((item) => can(item.action, study.id));
  useEffect(() => {
    if (first) navigate(`/studies/${study.id}/${first.path}`, { replace: true });
  }, [first, study.id]);
  // Going on to the first page: nothing to show (or to take the focus) meanwhile.
  if (first) return null;
  return (
    <Page title={study.code}>
      <p>{study.title}</p>
      <Notice>Your role in this study has no pages in the web application.</Notice>
    </Page>
  );
}
