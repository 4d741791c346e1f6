/**
 * Data capture on a subject's casebook: visits, results, adverse events, queries, source-data
 * verification and the investigator's signature. Types come from the services (type-only imports).
 */
import type {
  AdverseEventInput,
  OpenQueryInput,
  ResultChangeInput,
  ResultInput,
  SignInput,
  VisitChangeInput,
} from '../../services/capture/capture.schemas.js';
import type {
  Saved as SavedRecord,
  ScheduledVisit as ScheduledRecord,
} from '../../services/capture/capture.service.js';
import type { QueryThread as QueryThreadRecord } from '../../services/capture/query.service.js';
import type {
  AdverseEventRecord,
  FormRecord,
  ResultRecord,
  SignatureRecord,
} from '../../store/repositories/capture.repository.js';
import type { QueryRecord } from '../../store/repositories/query.repository.js';
import { api, type Wire } from './client.js';

export type ScheduledVisit = Wire<ScheduledRecord>;
export type Result = Wire<ResultRecord>;
export type AdverseEvent = Wire<AdverseEventRecord>;
export type CasebookForm = Wire<FormRecord>;
export type Signature = Wire<SignatureRecord>;
export type Query = Wire<QueryRecord>;
export type QueryThread = Wire<QueryThreadRecord>;
/** A write's answer: the record and the queries its soft edit checks opened. */
export type Saved<T> = Wire<SavedRecord<T>>;
/**
 * An adverse event as the form sends it: what is not filled in is left out, and the server names
 * each missing field (a grade, an outcome, the relatedness to each drug).
 */
export type AdverseEventDraft = { readonly [K in keyof AdverseEventInput]?: AdverseEventInput[K] };
export type QueryStep = 'answer' | 'close' | 'reopen';
/** A result as the form sends it: an LLOQ typed as text that is not a number goes as typed, for the server to name. */
type Loose<T> = Omit<T, 'lloq'> & { readonly lloq?: number | string };

const subjectPath = (subjectId: string): string => `/api/subjects/${encodeURIComponent(subjectId)}`;

export const capture = {
  recordVisit: (subjectId: string, visit: string, date: string) =>
    api.post<Saved<ScheduledRecord>>(`${subjectPath(subjectId)}/visits`, { visit, date }),
  changeVisit: (subjectId: string, visit: string, body: VisitChangeInput) =>
    api.put<Saved<ScheduledRecord>>(`${subjectPath(subjectId)}/visits/${encodeURIComponent(visit)}`, body),
  recordResult: (subjectId: string, body: Loose<ResultInput>) =>
    api.post<Saved<ResultRecord>>(`${subjectPath(subjectId)}/results`, body),
  changeResult: (resultId: string, body: Loose<ResultChangeInput>) =>
    api.put<Saved<ResultRecord>>(`/api/results/${encodeURIComponent(resultId)}`, body),
  recordAdverseEvent: (subjectId: string, body: AdverseEventDraft) =>
    api.post<Saved<AdverseEventRecord>>(`${subjectPath(subjectId)}/adverse-events`, body),
  changeAdverseEvent: (
    adverseEventId: string,
    body: AdverseEventDraft & { readonly reasonForChange: string },
  ) => api.put<Saved<AdverseEventRecord>>(`/api/adverse-events/${encodeURIComponent(adverseEventId)}`, body),
  verifySource: (subjectId: string, form: string, verified: boolean) =>
    api.post<CasebookForm>(`${subjectPath(subjectId)}/sdv`, { form, verified }),
  openQuery: (subjectId: string, body: OpenQueryInput) =>
    api.post<QueryThread>(`${subjectPath(subjectId)}/queries`, body),
  stepQuery: (queryId: string, step: QueryStep, text: string) =>
    api.post<QueryThread>(`/api/queries/${encodeURIComponent(queryId)}/${step}`, { text }),
  /** The subject's queries with their threads (the server filters by subject). */
  queriesPath: (studyId: string, subjectId: string): string =>
    `/api/studies/${encodeURIComponent(studyId)}/queries?subjectId=${encodeURIComponent(subjectId)}`,
  sign: (subjectId: string, body: SignInput) =>
    api.post<Signature>(`${subjectPath(subjectId)}/signature`, body),
};
