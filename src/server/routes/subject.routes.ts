import { z } from 'zod';
import {
  dispenseSchema,
  electExtensionSchema,
  randomizeSchema,
  unblindSchema,
} from '../../services/randomization/randomization.schemas.js';
import { screenSubjectSchema } from '../../services/subjects/subject.schemas.js';
import { defineRoute } from '../route.js';

const studyParams = z.strictObject({ studyId: z.uuid('must be a study id') });
const subjectParams = z.strictObject({ subjectId: z.uuid('must be a subject id') });

export const subjectRoutes = [
  defineRoute({
    method: 'POST',
    url: '/api/studies/:studyId/subjects',
    summary:
      'Screens a subject at a site: answers checked, every eligibility criterion evaluated with its reason.',
    tag: 'subjects',
    auth: true,
    params: studyParams,
    body: screenSubjectSchema,
    status: 201,
    handler: async ({ services, caller, params, body }) =>
      services.subjects.screen(await caller(), params.studyId, body),
  }),
  defineRoute({
    method: 'GET',
    url: '/api/studies/:studyId/subjects',
    summary: 'Subjects of the study (site roles: their own sites only).',
    tag: 'subjects',
    auth: true,
    params: studyParams,
    handler: async ({ services, caller, params }) => services.subjects.list(await caller(), params.studyId),
  }),
  defineRoute({
    method: 'GET',
    url: '/api/studies/:studyId/enrollment',
    summary:
      'Enrollment: screened, screen failures, eligible, randomized; in all, by site and by stratum (site roles: their sites); by arm for the unblinded statistician only.',
    tag: 'subjects',
    auth: true,
    params: studyParams,
    handler: async ({ services, caller, params }) =>
      services.subjects.enrollment(await caller(), params.studyId),
  }),
  defineRoute({
    method: 'GET',
    url: '/api/subjects/:subjectId',
    summary: 'One subject with its eligibility.',
    tag: 'subjects',
    auth: true,
    params: subjectParams,
    handler: async ({ services, caller, params }) => services.subjects.get(await caller(), params.subjectId),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/subjects/:subjectId/randomize',
    summary:
      'Randomizes an eligible subject and dispenses the first kits. Idempotent on requestId. Blinded callers get the randomization number and kit numbers, never the arm.',
    tag: 'randomization',
    auth: true,
    params: subjectParams,
    body: randomizeSchema,
    status: 201,
    handler: async ({ services, caller, params, body, reply }) => {
      const result = await services.randomization.randomize(await caller(), params.subjectId, body);
      // A replay allocated nothing new: 200, sent here, because the route's 201 is set after the handler.
      if (result.replayed) return reply.status(200).send(result);
      return result;
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/subjects/:subjectId/allocation',
    summary: 'The subject’s randomization number and kits (and arm, for the unblinded statistician).',
    tag: 'randomization',
    auth: true,
    params: subjectParams,
    handler: async ({ services, caller, params }) =>
      services.randomization.allocation(await caller(), params.subjectId),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/subjects/:subjectId/unblind',
    summary:
      'Emergency unblinding by the subject’s investigator: reason and password required; audited; the sponsor sees the event.',
    tag: 'randomization',
    auth: true,
    params: subjectParams,
    body: unblindSchema,
    handler: async ({ services, caller, params, body }) =>
      services.randomization.unblind(await caller(), params.subjectId, body),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/subjects/:subjectId/extension',
    summary:
      'Records the extension election (continue, or switch per the protocol): a re-assignment, not a new randomization. Only once the main phase is recorded as completed, and once (409 otherwise).',
    tag: 'randomization',
    auth: true,
    params: subjectParams,
    body: electExtensionSchema,
    status: 201,
    handler: async ({ services, caller, params, body }) =>
      services.randomization.electExtension(await caller(), params.subjectId, body),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/subjects/:subjectId/dispense',
    summary: 'Dispenses the kits a scheduled visit calls for, following the subject’s arm at that visit.',
    tag: 'supply',
    auth: true,
    params: subjectParams,
    body: dispenseSchema,
    status: 201,
    handler: async ({ services, caller, params, body }) =>
      services.randomization.dispense(await caller(), params.subjectId, body),
  }),
];
