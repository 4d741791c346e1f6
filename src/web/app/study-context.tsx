import { createContext, useContext, useMemo, type ReactNode } from 'react';
import type { Site, StudyDetail } from '../api/types.js';
import { ErrorNotice, Loading } from '../components/notice.js';
import { useResource } from '../components/use-resource.js';

export interface StudyContextValue {
  readonly study: StudyDetail;
  /** The sites the user can see (all of them: the list is not clinical data). */
  readonly sites: readonly Site[];
  readonly siteName: (siteId: string) => string;
  readonly reload: () => Promise<void>;
}

const StudyContext = createContext<StudyContextValue | null>(null);

/** Loads the study (protocol included) and its sites once for every page under it. */
export function StudyProvider({
  studyId,
  children,
}: {
  readonly studyId: string;
  readonly children: ReactNode;
}): ReactNode {
  const study = useResource<StudyDetail>(`/api/studies/${studyId}`);
  const sites = useResource<Site[]>(`/api/studies/${studyId}/sites`);
  const value = useMemo((): StudyContextValue | null => {
    if (!study.data || !sites.data) return null;
    const byId = new Map(sites.data.map((s) => [s.id, s]));
    return {
      study: study.data,
      sites: sites.data,
      siteName: (id) => {
        const s = byId.get(id);
        return s ? `${s.code} · ${s.name}` : id;
      },
      reload: async () => {
        await Promise.all([study.reload(), sites.reload()]);
      },
    };
  }, [study, sites]);
  if (study.error || sites.error)
    return <ErrorNotice error={study.error ?? sites.error} title="The study could not be opened" />;
  if (!value) return <Loading what="the study" />;
  return <StudyContext.Provider value={value}>{children}</StudyContext.Provider>;
}

export function useStudy(): StudyContextValue {
  const s = useContext(StudyContext);
  if (!s) throw new Error('useStudy outside StudyProvider');
  return s;
}
