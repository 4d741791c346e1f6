import { z } from 'zod';
import { isoDate } from '../subjects/subject.schemas.js';

const drugCode = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]{0,19}$/, 'must be a drug code of the protocol, e.g. CELGOSIVIR');

export const createKitsSchema = z.strictObject({
  drug: drugCode,
  count: z.number().int().min(1, 'must be at least 1').max(100_000, 'must be at most 100,000'),
  lot: z.string().trim().min(1, 'is required').max(50),
  expiresOn: isoDate,
});
export type CreateKitsInput = z.output<typeof createKitsSchema>;

export const createShipmentSchema = z.strictObject({
  siteId: z.uuid('must be a site id'),
  kits: z
    .array(z.strictObject({ drug: drugCode, count: z.number().int().min(1).max(10_000) }))
    .min(1, 'must ask for at least one drug')
    .max(50, 'at most 50 lines')
    .refine((lines) => new Set(lines.map((l) => l.drug)).size === lines.length, 'each drug at most once'),
});
export type CreateShipmentInput = z.output<typeof createShipmentSchema>;

export const receiveShipmentSchema = z.strictObject({
  /** Kits that arrived unusable: they are set aside, never dispensed. */
  damagedKitNumbers: z
    .array(z.string().regex(/^\d{7}$/, 'must be a 7-digit kit number'))
    .max(10_000, 'at most 10,000 kits')
    .default([]),
});
export type ReceiveShipmentInput = z.output<typeof receiveShipmentSchema>;

export const kitQuerySchema = z.strictObject({
  siteId: z.uuid('must be a site id').optional(),
  status: z.enum(['depot', 'in_transit', 'at_site', 'dispensed', 'damaged']).optional(),
  drug: drugCode.optional(),
});
export type KitQuery = z.output<typeof kitQuerySchema>;
