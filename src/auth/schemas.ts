import { z } from 'zod';
import { storableText } from '../db/text.ts';
import { PASSWORD_MAX_LENGTH } from './passwords.ts';

export const roleSchema = z.enum(['owner', 'admin', 'analyst']);
export const orgSlugSchema = storableText(63).regex(
  /^[a-z0-9][a-z0-9-]{1,62}$/,
  'lowercase letters, digits and dashes, 2-63 characters',
);
export const emailSchema = z
  .email()
  .max(254)
  .transform((e) => e.toLowerCase());

export const loginBody = z.object({
  organization: orgSlugSchema.describe('The organization slug.'),
  email: emailSchema,
  password: storableText(PASSWORD_MAX_LENGTH).min(1),
});

export const accountSummary = z.object({ id: z.uuid(), email: z.string(), role: roleSchema });
export const organizationSummary = z.object({ id: z.uuid(), slug: z.string(), name: z.string() });

export const loginResponse = z.object({
  token: z.string().describe('Opaque session token; also set as the httpOnly cookie quorum_session.'),
  expiresAt: z.iso.datetime(),
  account: accountSummary,
  organization: organizationSummary,
});

export const whoAmIResponse = z.object({
  kind: z.enum(['session', 'api-key']),
  role: roleSchema,
  organizationId: z.uuid(),
  accountId: z.uuid().optional(),
});
