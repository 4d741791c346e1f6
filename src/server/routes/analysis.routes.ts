import { z } from 'zod';
import { analysisQuerySchema } from '../../services/analysis/analysis.schemas.js';
import { defineRoute } from '../route.js';

const studyParams = z.strictObject({ studyId: z.uuid('must be a study id') });

/** The top-line analysis and report: results by arm, so the unblinded statistician only. */
export const analysisRoutes = [
  defineRoute({
    method: 'GET',
    url: '/api/studies/:studyId/analysis',
    summary:
      'The top-line analysis at a data cut (default today, UTC) as JSON following schemas/analysis.v1.schema.json: efficacy by population and arm, safety, disposition, extension. Unblinded statistician only.',
    tag: 'analysis',
    auth: true,
    params: studyParams,
    query: analysisQuerySchema,
    handler: async ({ services, caller, params, query, reply }) => {
      const result = await services.analysis.analyze(await caller(), params.studyId, query);
      // Unblinded results: never kept by a browser or a proxy.
      void reply.header('cache-control', 'no-store');
      return result;
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/studies/:studyId/report',
    summary:
      'The top-line report at a data cut (default today, UTC) as one HTML page with every table and SVG figure, made to print to PDF. Unblinded statistician only.',
    tag: 'analysis',
    auth: true,
    params: studyParams,
    query: analysisQuerySchema,
    handler: async ({ services, caller, params, query, reply }) => {
      const html = await services.analysis.report(await caller(), params.studyId, query);
      return reply.header('cache-control', 'no-store').type('text/html; charset=utf-8').send(html);
    },
  }),
];
