import { z } from 'zod';
import { storableText } from '../db/text.ts';
import { READER_LANGUAGE_ATTRIBUTE } from '../delivery/reader-language.ts';

export const dimensionKey = storableText(40).regex(
  /^[a-z][a-z0-9_]{0,39}$/,
  'lowercase letters, digits and _, starting with a letter',
);

export const dimensionsBody = z
  .array(
    z.object({
      key: dimensionKey,
      label: storableText(100).optional(),
      reportable: z
        .boolean()
        .describe('Whether results may be broken down by it. Non-reportable attributes never reach a response.'),
    }),
  )
  .max(20)
  .refine((d) => new Set(d.map((x) => x.key)).size === d.length, 'dimension keys must be unique')
  // Issue 14: `language` picks the language of a participant's mail and pages. Few people may share
  // one (the only Korean speaker at a Polish site), so it is never a breakdown of results (P1, P3).
  .refine((d) => !d.some((x) => x.key === READER_LANGUAGE_ATTRIBUTE && x.reportable), {
    message: `${READER_LANGUAGE_ATTRIBUTE} (the language of a participant's mail and pages) cannot be reportable`,
  })
  .describe(
    'The full, ordered list: earlier dimensions are kept longest when responses must be generalised. ' +
      `A dimension \`${READER_LANGUAGE_ATTRIBUTE}\` (values en, ko, pl) chooses the language of a participant's mail ` +
      'and pages; it must be declared with reportable: false.',
  );

export const dimensionsResponse = z.array(z.object({ key: z.string(), label: z.string(), reportable: z.boolean() }));

export const importQuery = z.object({
  mode: z
    .enum(['upsert', 'sync'])
    .default('upsert')
    .describe('sync also deactivates everyone absent from the file (leavers) and revokes their open invitations.'),
});

export const jsonRosterRow = z.object({
  externalId: z.unknown(),
  email: z.unknown().optional(),
  name: z.unknown().optional(),
  attributes: z.record(storableText(40), z.unknown()).optional(),
});
export const jsonRosterBody = z.array(jsonRosterRow).max(1_000_000);

export const importResponse = z.object({
  inserted: z.number().int(),
  updated: z.number().int(),
  deactivated: z.number().int(),
  revokedInvitations: z.number().int(),
});

export const participantResponse = z.object({
  id: z.uuid(),
  externalId: z.string(),
  email: z.string().nullable(),
  name: z.string().nullable(),
  active: z.boolean(),
  attributes: z.record(z.string(), z.string()),
});

export const participantsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  after: storableText(200).optional().describe('externalId to continue after (keyset pagination).'),
});
