import { z } from 'zod';

export const screenSubjectSchema = z.strictObject({
  siteId: z.uuid('must be a site id'),
  /** Answers to the protocol's screening fields, by field code. */
  answers: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});
export type ScreenSubjectInput = z.output<typeof screenSubjectSchema>;
