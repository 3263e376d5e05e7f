import { z } from 'zod';
import { storableText } from '../db/text.ts';
import { emailSchema, roleSchema } from '../auth/schemas.ts';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../auth/passwords.ts';

// NIST 800-63B: length, not composition rules.
const newPassword = storableText(PASSWORD_MAX_LENGTH).min(PASSWORD_MIN_LENGTH);

export const scopeSchema = z
  .object({ dimension: storableText(40).min(1), value: storableText(200).min(1) })
  .describe(
    'Limits an analyst to one segment of a reportable dimension, e.g. {"dimension":"department","value":"Support"}.',
  );

export const accountResponse = z.object({
  id: z.uuid(),
  email: z.string(),
  role: roleSchema,
  scope: scopeSchema.nullable(),
  createdAt: z.iso.datetime(),
});

export const createAccountBody = z.object({
  email: emailSchema,
  role: roleSchema,
  password: newPassword.optional().describe('Omit to have one generated and returned once.'),
  scope: scopeSchema.optional(),
});

export const createAccountResponse = z.object({
  account: accountResponse,
  password: z.string().optional().describe('The generated password, present only when none was given. Shown once.'),
});

export const accountParams = z.object({ id: z.uuid() });

export const changePasswordBody = z.object({
  currentPassword: storableText(PASSWORD_MAX_LENGTH).min(1),
  newPassword,
});

export function toAccountResponse(a: {
  id: string;
  email: string;
  role: z.infer<typeof roleSchema>;
  scope: z.infer<typeof scopeSchema> | null;
  created_at: Date;
}) {
  return { id: a.id, email: a.email, role: a.role, scope: a.scope, createdAt: a.created_at.toISOString() };
}
