import { z } from 'zod';

const fileName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(255, 'must be at most 255 characters')
  .regex(/^[^\\/\0]+$/, 'must be a file name, without folders');
const assay = z.string().trim().min(1, 'must not be empty').max(120, 'must be at most 120 characters');

/** How to run a central-lab import: a dry run reports and writes nothing. */
export const labImportOptionsSchema = z.strictObject({
  dryRun: z.boolean('must be true or false'),
  /** The uploaded file's name, kept with the import. */
  fileName: fileName.optional(),
  /** The assay of rows that leave the `assay` column empty (or have none). */
  assay: assay.optional(),
});
export type LabImportOptions = z.output<typeof labImportOptionsSchema>;

/** The same options as query parameters of `POST /api/studies/:studyId/lab-imports`. */
export const labImportQuerySchema = z.strictObject({
  dryRun: z
    .enum(['true', 'false'], 'must be true or false')
    .default('false')
    .transform((v) => v === 'true'),
  fileName: fileName.optional(),
  assay: assay.optional(),
});
