import { z } from 'zod';

export const auditQuerySchema = z.strictObject({
  /** A study's id; leave out for the global chain (accounts and roles, admins only). */
  studyId: z.uuid('must be a study id').optional(),
  action: z.string().max(100).optional(),
  entityType: z.string().max(100).optional(),
  entityId: z.string().max(100).optional(),
  actorId: z.uuid('must be a user id').optional(),
  from: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' }).optional(),
  to: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' }).optional(),
  afterSeq: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export type AuditQuery = z.output<typeof auditQuerySchema>;

export const auditVerifySchema = z.strictObject({
  studyId: z.uuid('must be a study id').optional(),
});
export type AuditVerifyInput = z.output<typeof auditVerifySchema>;
