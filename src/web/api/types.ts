/**
 * The shapes the API answers with, taken from the services that produce them (type-only imports:
 * nothing of the server reaches the bundle) and turned into their wire form. Each area of the app keeps
 * its own in `api/<area>.ts`; these are the ones every page shares.
 */
import type { Grant } from '../../core/auth/permissions.js';
import type { Caller } from '../../services/caller.js';
import type { StudyDetail as StudyDetailRecord } from '../../services/studies/study.service.js';
import type { SiteRecord } from '../../store/repositories/site.repository.js';
import type { StudyRecord } from '../../store/repositories/study.repository.js';
import type { SubjectRecord } from '../../store/repositories/subject.repository.js';
import type { Wire } from './client.js';

export type Me = Wire<Caller>;
export type WireGrant = Wire<Grant>;
export type Study = Wire<StudyRecord>;
export type StudyDetail = Wire<StudyDetailRecord>;
export type Site = Wire<SiteRecord>;
export type Subject = Wire<SubjectRecord>;
