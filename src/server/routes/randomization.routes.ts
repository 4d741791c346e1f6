import { z } from 'zod';
import { sequenceQuerySchema } from '../../services/randomization/randomization.schemas.js';
import { defineRoute } from '../route.js';

const studyParams = z.strictObject({ studyId: z.uuid('must be a study id') });

export const randomizationRoutes = [
  defineRoute({
    method: 'GET',
    url: '/api/studies/:studyId/allocations',
    summary: 'Allocations: randomization numbers and kits; arms only for the unblinded statistician.',
    tag: 'randomization',
    auth: true,
    params: studyParams,
    handler: async ({ services, caller, params }) =>
      services.randomization.allocations(await caller(), params.studyId),
  }),
  defineRoute({
    method: 'GET',
    url: '/api/studies/:studyId/unblinding-events',
    summary: 'Emergency unblindings of the study: subject, site, who, when and why (never the arm).',
    tag: 'randomization',
    auth: true,
    params: studyParams,
    handler: async ({ services, caller, params }) =>
      services.randomization.unblindings(await caller(), params.studyId),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/studies/:studyId/randomization/verify',
    summary:
      'Recomputes the allocation sequence from the study’s secret seed and compares every allocation (unblinded statistician).',
    tag: 'randomization',
    auth: true,
    params: studyParams,
    handler: async ({ services, caller, params }) =>
      services.randomization.verify(await caller(), params.studyId),
  }),
  defineRoute({
    method: 'GET',
    url: '/api/studies/:studyId/randomization/sequence',
    summary: 'The allocation list of every stratum, slot by slot (unblinded statistician; permuted blocks).',
    tag: 'randomization',
    auth: true,
    params: studyParams,
    query: sequenceQuerySchema,
    handler: async ({ services, caller, params, query }) =>
      services.randomization.sequence(await caller(), params.studyId, query),
  }),
];
