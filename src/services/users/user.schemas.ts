import { z } from 'zod';
import { ROLES } from '../../core/auth/roles.js';
import { newPasswordSchema, usernameSchema } from '../auth/auth.schemas.js';

export const grantRoleSchema = z.strictObject({
  role: z.enum(ROLES, { error: `must be one of: ${ROLES.join(', ')}` }),
  studyId: z.uuid('must be a study id').optional(),
  siteId: z.uuid('must be a site id').optional(),
  /** Time-limited access, e.g. a partner reviewer's exclusivity window. */
  expiresAt: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' }).optional(),
});
export type GrantRoleInput = z.output<typeof grantRoleSchema>;

export const createUserSchema = z.strictObject({
  username: usernameSchema,
  displayName: z.string().trim().min(1, 'is required').max(200),
  email: z.email('must be an e-mail address').optional(),
  /** Leave out to generate a one-time password that must be changed at first sign-in. */
  password: newPasswordSchema.optional(),
  /** Roles granted in the same transaction: the user exists with all of them, or not at all. */
  roles: z.array(grantRoleSchema).max(20).default([]),
});
export type CreateUserInput = Omit<z.output<typeof createUserSchema>, 'roles'> & {
  readonly roles?: readonly GrantRoleInput[];
};
