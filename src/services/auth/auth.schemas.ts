import { z } from 'zod';

export const usernameSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9._-]{2,39}$/, 'must be 3 to 40 letters, digits, ".", "_" or "-"');

export const newPasswordSchema = z
  .string()
  .min(12, 'must be at least 12 characters')
  .max(200, 'must be at most 200 characters');

export const signInSchema = z.strictObject({
  username: z.string().trim().min(1, 'is required'),
  password: z.string().min(1, 'is required'),
});
export type SignInInput = z.output<typeof signInSchema>;

export const changePasswordSchema = z.strictObject({
  currentPassword: z.string().min(1, 'is required'),
  newPassword: newPasswordSchema,
});
export type ChangePasswordInput = z.output<typeof changePasswordSchema>;

export const createTokenSchema = z.strictObject({
  name: z.string().trim().min(1, 'is required').max(100),
  days: z.number().int().min(1).max(365).default(90),
});
export type CreateTokenInput = z.output<typeof createTokenSchema>;

export const revokeTokenQuerySchema = z.strictObject({
  reason: z.string().trim().min(1, 'must not be empty').max(500).optional(),
});
