import { z } from 'zod';
import { dateProblem } from '../../core/capture/dates.js';

/** A calendar date, YYYY-MM-DD, not before 1900 (the shared date of every request). */
export const isoDate = z.string('must be a date, YYYY-MM-DD').superRefine((text, ctx) => {
  const problem = dateProblem(text);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const screenSubjectSchema = z.strictObject({
  siteId: z.uuid('must be a site id'),
  /** Answers to the protocol's screening fields, by field code. */
  answers: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  /** The date of informed consent (default: today); no study data may predate it. */
  consentedOn: isoDate.optional(),
});
export type ScreenSubjectInput = z.output<typeof screenSubjectSchema>;
