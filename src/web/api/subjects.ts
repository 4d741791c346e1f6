/**
 * The wire shapes and calls of screening, randomization, dispositions and the extension. Types come
 * from the services (type-only imports); calls go through the shared client.
 */
import type { NextVisit as NextVisitRecord } from '../../core/capture/worklist.js';
import type { WorklistEntry as WorklistEntryRecord } from '../../services/capture/capture.service.js';
import type { KitView } from '../../services/randomization/allocation-view.js';
import type { DispositionRecord } from '../../store/repositories/capture.repository.js';
import { api, type Wire } from './client.js';
import type { Subject } from './types.js';

export type WorklistEntry = Wire<WorklistEntryRecord>;
export type NextVisit = Wire<NextVisitRecord>;
export type Kit = Wire<KitView>;
export type Disposition = Wire<DispositionRecord>;

/**
 * An allocation as the API answers it. A blinded caller's answer has no arm; only the unblinded
 * statistician's carries `arm` and `armName`, so they are optional here and shown only when present.
 */
export interface Allocation {
  readonly subjectId: string;
  readonly siteId: string;
  readonly randomizationNumber: number;
  readonly allocatedAt: string;
  readonly kits: readonly Kit[];
  readonly replayed?: boolean;
  readonly arm?: string;
  readonly armName?: string;
}

export type Answer = string | number | boolean | null;

export interface ScreenInput {
  readonly siteId: string;
  readonly consentedOn: string;
  readonly answers: Readonly<Record<string, Answer>>;
}

export interface DispositionInput {
  readonly status: 'completed' | 'discontinued';
  readonly date: string;
  readonly reason?: string;
  readonly relatedDrug?: string;
  readonly detail?: string;
}

export const subjectsApi = {
  worklistPath: (studyId: string): string => `/api/studies/${studyId}/worklist`,
  allocationPath: (subjectId: string): string => `/api/subjects/${subjectId}/allocation`,
  screen: (studyId: string, input: ScreenInput): Promise<Subject> =>
    api.post<Subject>(`/api/studies/${studyId}/subjects`, input),
  randomize: (subjectId: string, requestId: string): Promise<Allocation> =>
    api.post<Allocation>(`/api/subjects/${subjectId}/randomize`, { requestId }),
  dispense: (subjectId: string, visit: string): Promise<Kit[]> =>
    api.post<Kit[]>(`/api/subjects/${subjectId}/dispense`, { visit }),
  recordDisposition: (subjectId: string, phase: string, input: DispositionInput): Promise<unknown> =>
    api.post(`/api/subjects/${subjectId}/dispositions`, { phase, ...input }),
  changeDisposition: (
    subjectId: string,
    phase: string,
    input: DispositionInput & { readonly reasonForChange: string },
  ): Promise<unknown> => api.put(`/api/subjects/${subjectId}/dispositions/${phase}`, input),
  electExtension: (subjectId: string, option: string): Promise<{ phase: string; option: string }> =>
    api.post(`/api/subjects/${subjectId}/extension`, { option }),
};

/** Words for the subject statuses, shown with a badge tone (the word is the signal, not the colour). */
export const STATUS_LABEL: Record<Subject['status'], string> = {
  screen_failed: 'Screen failure',
  eligible: 'Eligible',
  randomized: 'Randomized',
};

export const statusTone = (s: Subject['status']): 'bad' | 'info' | 'good' =>
  s === 'screen_failed' ? 'bad' : s === 'eligible' ? 'info' : 'good';

/** A snake_case code of the vocabularies as words: `withdrawal_by_subject` → `withdrawal by subject`. */
export const words = (code: string): string => code.replaceAll('_', ' ');
