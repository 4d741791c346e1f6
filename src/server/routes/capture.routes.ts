import { z } from 'zod';
import {
  adverseEventChangeSchema,
  adverseEventSchema,
  dispositionChangeSchema,
  dispositionSchema,
  lockSchema,
  openQuerySchema,
  queryListSchema,
  queryStepSchema,
  resultChangeSchema,
  resultSchema,
  sdvSchema,
  signSchema,
  unlockSchema,
  visitChangeSchema,
  visitSchema,
} from '../../services/capture/capture.schemas.js';
import { defineRoute } from '../route.js';

const studyParams = z.strictObject({ studyId: z.uuid('must be a study id') });
const subjectParams = z.strictObject({ subjectId: z.uuid('must be a subject id') });
const code = (example: string) =>
  z.string().regex(/^[A-Z][A-Z0-9_]{0,19}$/, `must be a code of the protocol, e.g. ${example}`);

/** Data capture, queries, source-data verification, signatures and the database lock. */
export const captureRoutes = [
  defineRoute({
    method: 'GET',
    url: '/api/subjects/:subjectId/casebook',
    summary:
      'The subject’s casebook: schedule with windows, results, adverse events, dispositions, forms with SDV, signature, open queries. Never the arm.',
    tag: 'data capture',
    auth: true,
    params: subjectParams,
    handler: async ({ services, caller, params }) =>
      services.capture.casebook(await caller(), params.subjectId),
  }),
  defineRoute({
    method: 'GET',
    url: '/api/studies/:studyId/worklist',
    summary:
      'The sites’ worklist (site roles: their sites; permission subject.read): per subject the screening number, site, status, strata, consent date, randomization number and day 0; the next visit due (first unrecorded visit of the current phase from day 0 on, with its target date, window and state upcoming, due or overdue today; null when not randomized, the phase is completed, or the subject discontinued); and the count of queries not closed. Never the arm.',
    tag: 'subjects',
    auth: true,
    params: studyParams,
    handler: async ({ services, caller, params }) =>
      services.capture.worklist(await caller(), params.studyId),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/subjects/:subjectId/visits',
    summary:
      'Records a visit’s date. Out of window is accepted and flagged by a query (soft check); hard checks reject.',
    tag: 'data capture',
    auth: true,
    params: subjectParams,
    body: visitSchema,
    status: 201,
    handler: async ({ services, caller, params, body }) =>
      services.capture.recordVisit(await caller(), params.subjectId, body),
  }),
  defineRoute({
    method: 'PUT',
    url: '/api/subjects/:subjectId/visits/:visit',
    summary:
      'Changes a recorded visit date; reasonForChange required; clears the form’s SDV and the signature.',
    tag: 'data capture',
    auth: true,
    params: z.strictObject({ subjectId: z.uuid('must be a subject id'), visit: code('W12') }),
    body: visitChangeSchema,
    handler: async ({ services, caller, params, body }) =>
      services.capture.changeVisit(await caller(), params.subjectId, params.visit, body),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/subjects/:subjectId/results',
    summary:
      'Records a result at a visit: a number, "<15"/"<LLOQ" with the assay’s limit, or "TND"; the assay recorded. 409 if one is already recorded.',
    tag: 'data capture',
    auth: true,
    params: subjectParams,
    body: resultSchema,
    status: 201,
    handler: async ({ services, caller, params, body }) =>
      services.capture.recordResult(await caller(), params.subjectId, body),
  }),
  defineRoute({
    method: 'PUT',
    url: '/api/results/:resultId',
    summary: 'Changes a recorded result; reasonForChange required.',
    tag: 'data capture',
    auth: true,
    params: z.strictObject({ resultId: z.uuid('must be a result id') }),
    body: resultChangeSchema,
    handler: async ({ services, caller, params, body }) =>
      services.capture.changeResult(await caller(), params.resultId, body),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/subjects/:subjectId/adverse-events',
    summary:
      'Records an adverse event: verbatim term, coded term and body system, grade 1–5, serious, relatedness to each study drug, dates, outcome, action taken.',
    tag: 'data capture',
    auth: true,
    params: subjectParams,
    body: adverseEventSchema,
    status: 201,
    handler: async ({ services, caller, params, body }) =>
      services.capture.recordAdverseEvent(await caller(), params.subjectId, body),
  }),
  defineRoute({
    method: 'PUT',
    url: '/api/adverse-events/:adverseEventId',
    summary: 'Changes an adverse event; reasonForChange required.',
    tag: 'data capture',
    auth: true,
    params: z.strictObject({ adverseEventId: z.uuid('must be an adverse event id') }),
    body: adverseEventChangeSchema,
    handler: async ({ services, caller, params, body }) =>
      services.capture.changeAdverseEvent(await caller(), params.adverseEventId, body),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/subjects/:subjectId/dispositions',
    summary:
      'Records how the subject ended a phase: completed, or discontinued with the reason (and the drug, for an adverse event).',
    tag: 'data capture',
    auth: true,
    params: subjectParams,
    body: dispositionSchema,
    status: 201,
    handler: async ({ services, caller, params, body }) =>
      services.capture.recordDisposition(await caller(), params.subjectId, body),
  }),
  defineRoute({
    method: 'PUT',
    url: '/api/subjects/:subjectId/dispositions/:phase',
    summary: 'Changes a phase’s disposition; reasonForChange required.',
    tag: 'data capture',
    auth: true,
    params: z.strictObject({ subjectId: z.uuid('must be a subject id'), phase: code('MAIN') }),
    body: dispositionChangeSchema,
    handler: async ({ services, caller, params, body }) =>
      services.capture.changeDisposition(await caller(), params.subjectId, params.phase, body),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/subjects/:subjectId/sdv',
    summary: 'Source-data verification of one form by the monitor (verified: false withdraws it).',
    tag: 'review',
    auth: true,
    params: subjectParams,
    body: sdvSchema,
    handler: async ({ services, caller, params, body }) =>
      services.capture.verifySource(await caller(), params.subjectId, body),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/subjects/:subjectId/signature',
    summary:
      'The investigator signs the casebook: password again, meaning stated (approval or review); a later change invalidates it. Only once a form holds data (409 otherwise).',
    tag: 'review',
    auth: true,
    params: subjectParams,
    body: signSchema,
    status: 201,
    handler: async ({ services, caller, params, body }) =>
      services.capture.sign(await caller(), params.subjectId, body),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/studies/:studyId/lock',
    summary: 'Locks the study database (data manager): no data is written until it is unlocked.',
    tag: 'review',
    auth: true,
    params: studyParams,
    body: lockSchema,
    handler: async ({ services, caller, params, body }) =>
      services.capture.lock(await caller(), params.studyId, body ?? {}),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/studies/:studyId/unlock',
    summary: 'Unlocks the study database (data manager); the reason is required and audited.',
    tag: 'review',
    auth: true,
    params: studyParams,
    body: unlockSchema,
    handler: async ({ services, caller, params, body }) =>
      services.capture.unlock(await caller(), params.studyId, body),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/subjects/:subjectId/queries',
    summary:
      'Opens a query on a data point: a form (visit:W12, ae:1, disposition:MAIN) and one of its fields.',
    tag: 'queries',
    auth: true,
    params: subjectParams,
    body: openQuerySchema,
    status: 201,
    handler: async ({ services, caller, params, body }) =>
      services.queries.open(await caller(), params.subjectId, body),
  }),
  defineRoute({
    method: 'GET',
    url: '/api/studies/:studyId/queries',
    summary:
      'The study’s queries with their threads (site roles: their sites), filtered by status, subject or site.',
    tag: 'queries',
    auth: true,
    params: studyParams,
    query: queryListSchema,
    handler: async ({ services, caller, params, query }) =>
      services.queries.list(await caller(), params.studyId, query),
  }),
  defineRoute({
    method: 'GET',
    url: '/api/queries/:queryId',
    summary: 'One query with its thread.',
    tag: 'queries',
    auth: true,
    params: z.strictObject({ queryId: z.uuid('must be a query id') }),
    handler: async ({ services, caller, params }) => services.queries.get(await caller(), params.queryId),
  }),
  ...(['answer', 'close', 'reopen'] as const).map((step) =>
    defineRoute({
      method: 'POST',
      url: `/api/queries/:queryId/${step}`,
      summary: {
        answer: 'The site answers an open query.',
        close: 'The monitor closes a query.',
        reopen: 'The monitor re-opens an answered query with a further question.',
      }[step],
      tag: 'queries',
      auth: true,
      params: z.strictObject({ queryId: z.uuid('must be a query id') }),
      body: queryStepSchema,
      handler: async ({ services, caller, params, body }) =>
        services.queries[step](await caller(), params.queryId, body),
    }),
  ),
];
