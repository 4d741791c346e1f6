import { z } from 'zod';
import {
  amendStudySchema,
  createSiteSchema,
  createStudySchema,
} from '../../services/studies/study.schemas.js';
import { defineRoute } from '../route.js';

const studyParams = z.strictObject({ studyId: z.uuid('must be a study id') });

export const studyRoutes = [
  defineRoute({
    method: 'GET',
    url: '/api/studies',
    summary: 'Studies the caller holds a role in (all, for an admin or sponsor-wide data manager).',
    tag: 'studies',
    auth: true,
    handler: async ({ services, caller }) => services.studies.list(await caller()),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/studies',
    summary:
      'Creates a study from a protocol: JSON `{source, fileName}` with the file text, `{protocol}` with the object, or the YAML itself with Content-Type application/yaml.',
    tag: 'studies',
    auth: true,
    body: createStudySchema,
    acceptsYaml: true,
    status: 201,
    handler: async ({ services, caller, body }) => services.studies.create(await caller(), body),
  }),
  defineRoute({
    method: 'GET',
    url: '/api/studies/:studyId',
    summary: 'A study with its current protocol and the list of its protocol versions.',
    tag: 'studies',
    auth: true,
    params: studyParams,
    handler: async ({ services, caller, params }) => services.studies.get(await caller(), params.studyId),
  }),
  defineRoute({
    method: 'GET',
    url: '/api/studies/:studyId/versions/:version',
    summary: 'One protocol version of a study, as it was.',
    tag: 'studies',
    auth: true,
    params: studyParams.extend({ version: z.coerce.number().int().min(1) }),
    handler: async ({ services, caller, params }) =>
      services.studies.version(await caller(), params.studyId, params.version),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/studies/:studyId/amendments',
    summary: 'Amends the protocol: a new version with a reason; earlier versions are kept.',
    tag: 'studies',
    auth: true,
    params: studyParams,
    body: amendStudySchema,
    status: 201,
    handler: async ({ services, caller, params, body }) =>
      services.studies.amend(await caller(), params.studyId, body),
  }),
  defineRoute({
    method: 'GET',
    url: '/api/studies/:studyId/sites',
    summary: 'The sites of a study.',
    tag: 'sites',
    auth: true,
    params: studyParams,
    handler: async ({ services, caller, params }) => services.studies.sites(await caller(), params.studyId),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/studies/:studyId/sites',
    summary: 'Adds a site to a study (data manager).',
    tag: 'sites',
    auth: true,
    params: studyParams,
    body: createSiteSchema,
    status: 201,
    handler: async ({ services, caller, params, body }) =>
      services.studies.createSite(await caller(), params.studyId, body),
  }),
];
