import { z } from 'zod';

export const randomizeSchema = z.strictObject({
  /** Chosen by the client once per intended randomization: repeating it returns the same allocation. */
  requestId: z.uuid('must be a UUID chosen by the client for this randomization'),
  /** Levels of stratification factors that screening does not give, by factor code. */
  levels: z
    .record(z.string().max(20), z.string().max(20))
    .refine((l) => Object.keys(l).length <= 20, 'at most 20 factors')
    .default({}),
});
export type RandomizeInput = z.output<typeof randomizeSchema>;

export const unblindSchema = z.strictObject({
  reason: z.string().trim().min(10, 'must say why, in at least 10 characters').max(2000),
  /** The investigator's own password, checked again. */
  password: z.string().min(1, 'is required'),
});
export type UnblindInput = z.output<typeof unblindSchema>;

export const electExtensionSchema = z.strictObject({
  option: z.string().regex(/^[A-Z][A-Z0-9_]{0,19}$/, 'must be an option code of the protocol, e.g. CONTINUE'),
});
export type ElectExtensionInput = z.output<typeof electExtensionSchema>;

export const dispenseSchema = z.strictObject({
  visit: z.string().regex(/^[A-Z][A-Z0-9_]{0,19}$/, 'must be a visit code of the protocol, e.g. W4'),
});
export type DispenseInput = z.output<typeof dispenseSchema>;

export const sequenceQuerySchema = z.strictObject({
  count: z.coerce.number().int().min(1).max(1000).default(60),
});
export type SequenceQuery = z.output<typeof sequenceQuerySchema>;
