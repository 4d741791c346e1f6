import { auditQuerySchema, auditVerifySchema } from '../../services/audit/audit.schemas.js';
import { defineRoute } from '../route.js';

export const auditRoutes = [
  defineRoute({
    method: 'GET',
    url: '/api/audit',
    summary:
      'A filtered page of the audit trail of one study (or of accounts and roles without studyId). Page on with afterSeq.',
    tag: 'audit',
    auth: true,
    query: auditQuerySchema,
    handler: async ({ services, caller, query }) => services.audit.list(await caller(), query),
  }),
  defineRoute({
    method: 'POST',
    url: '/api/audit/verify',
    summary: 'Recomputes the audit hash chains and reports the first broken entry of each.',
    tag: 'audit',
    auth: true,
    body: auditVerifySchema.optional(),
    handler: async ({ services, caller, body }) => services.audit.verify(await caller(), body ?? {}),
  }),
];
