import { Readable } from 'node:stream';
import { z } from 'zod';
import { validationError } from '../../core/errors.js';
import { labImportQuerySchema } from '../../services/capture/lab-import.schemas.js';
import { defineRoute } from '../route.js';

const studyParams = z.strictObject({ studyId: z.uuid('must be a study id') });

export const labRoutes = [
  defineRoute({
    method: 'POST',
    url: '/api/studies/:studyId/lab-imports',
    summary:
      'Central-lab import of results (central lab, data manager): the body is the CSV file as text/csv, ' +
      'streamed (header subject, visit, date, result, unit, lloq; optional measure, assay). dryRun=true ' +
      'answers 200 with the report and writes nothing; an import answers 201 with it, or 400 with the ' +
      'report in details when any row is bad (nothing written). Re-importing a file changes nothing.',
    tag: 'lab',
    auth: true,
    params: studyParams,
    query: labImportQuerySchema,
    rawBody: {
      contentType: 'text/csv',
      description:
        'the CSV file: header subject, visit, date, result, unit, lloq (any order and case); optional measure, assay',
    },
    status: 201,
    handler: async ({ services, caller, params, query, request, reply }) => {
      // app.ts hands text/csv bodies over as the raw stream: the file is never buffered whole.
      const body = request.body;
      if (!(body instanceof Readable))
        throw validationError('Send the CSV file as the request body, with Content-Type: text/csv', [
          { path: 'body', message: 'must be a CSV file sent as text/csv' },
        ]);
      const report = await services.labImports.importCsv(await caller(), params.studyId, body, query);
      if (report.dryRun || report.labImportId === null) return reply.status(200).send(report);
      return report;
    },
  }),
  defineRoute({
    method: 'GET',
    url: '/api/studies/:studyId/lab-imports',
    summary: 'The study’s central-lab imports, newest first: file, digest, counts, who and when.',
    tag: 'lab',
    auth: true,
    params: studyParams,
    handler: async ({ services, caller, params }) => services.labImports.list(await caller(), params.studyId),
  }),
];
