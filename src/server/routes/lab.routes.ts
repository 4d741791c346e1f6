import { z } from 'zod';
import { validationError } from '../../core/errors.js';
import { labImportQuerySchema } from '../../services/capture/lab-import.schemas.js';
import { ReceivedFile } from '../body/received-file.js';
import { defineRoute } from '../route.js';

const studyParams = z.strictObject({ studyId: z.uuid('must be a study id') });

export const labRoutes = [
  defineRoute({
    method: 'POST',
    url: '/api/studies/:studyId/lab-imports',
    summary:
      'Central-lab import of results (central lab, data manager): the body is the CSV file as text/csv, ' +
      'received whole before the import starts (header subject, visit, date, result, unit, lloq; optional measure, assay). dryRun=true ' +
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
      // app.ts receives text/csv bodies whole (spooled to disk when large) before this runs, so the
      // import's transaction never waits on the network; the import streams from the received file.
      const body = request.body;
      if (!(body instanceof ReceivedFile))
        throw validationError('Send the CSV file as the request body, with Content-Type: text/csv', [
          { path: 'body', message: 'must be a CSV file sent as text/csv' },
        ]);
      try {
        const report = await services.labImports.importCsv(
          await caller(),
          params.studyId,
          body.open(),
          query,
        );
        if (report.dryRun || report.labImportId === null) return reply.status(200).send(report);
        return report;
      } finally {
        await body.dispose();
      }
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
