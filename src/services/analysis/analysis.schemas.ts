import { z } from 'zod';
import { isoDate } from '../subjects/subject.schemas.js';

export const analysisQuerySchema = z.strictObject({
  /** Data dated after the cut are left out. Default: today (UTC). */
  dataCut: isoDate
    .optional()
    .describe('The data cut, YYYY-MM-DD: data dated after it are left out (default: today, UTC)'),
});
export type AnalysisQuery = z.output<typeof analysisQuerySchema>;
