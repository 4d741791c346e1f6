import { z } from 'zod';

/** A protocol, as the text of its YAML or JSON file, or as an already-parsed object. */
export const protocolSourceSchema = z.union([
  z.strictObject({
    source: z.string().min(1, 'is empty'),
    fileName: z.string().min(1).default('protocol.yaml'),
  }),
  z.strictObject({ protocol: z.record(z.string(), z.unknown()) }),
]);
export type ProtocolSource = z.output<typeof protocolSourceSchema>;

export const createStudySchema = protocolSourceSchema;
export type CreateStudyInput = ProtocolSource;

export const amendStudySchema = z.intersection(
  protocolSourceSchema,
  z.object({ reason: z.string().trim().min(3, 'must say why the protocol is amended') }),
);
export type AmendStudyInput = z.output<typeof amendStudySchema>;

export const createSiteSchema = z.strictObject({
  code: z
    .string()
    .trim()
    .regex(/^[A-Z0-9][A-Z0-9-]{0,19}$/, 'must be 1 to 20 upper-case letters, digits or "-"'),
  name: z.string().trim().min(1, 'is required').max(200),
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as CA')
    .optional(),
});
export type CreateSiteInput = z.output<typeof createSiteSchema>;
