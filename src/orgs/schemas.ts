import { z } from 'zod';
import { storableText } from '../db/text.ts';
import type { Organization } from '../db/schema.ts';
import { UI_LANGUAGES, type UiLanguage } from '../pages/i18n.ts';

export const organizationResponse = z.object({
  id: z.uuid(),
  slug: z.string(),
  name: z.string(),
  minGroupSize: z.number().int().describe('Default minimum group size k for new surveys.'),
  commentMinGroupSize: z
    .number()
    .int()
    .nullable()
    .describe('Comments need at least this many writers (and never fewer than k).'),
  reportablePairs: z
    .array(z.tuple([z.string(), z.string()]))
    .describe('Pairs of dimensions results may be crossed by.'),
  responseRetentionMonths: z
    .number()
    .int()
    .nullable()
    .describe('Months after a wave closes that its answers are kept (results stay); null: kept.'),
  defaultLanguage: z
    .enum(UI_LANGUAGES)
    .nullable()
    .describe(
      "Language of mail and pages for participants whose roster row has no `language` attribute; null: each survey's default language.",
    ),
});

export const updateOrganizationBody = z
  .object({
    name: storableText(200).trim().min(1).optional(),
    minGroupSize: z
      .number()
      .int()
      .min(3)
      .max(1000)
      .optional()
      .describe('Never below 3 (SPEC). Surveys keep the k they were created with.'),
    commentMinGroupSize: z.number().int().min(3).max(1000).nullable().optional(),
    reportablePairs: z
      .array(z.tuple([storableText(40).min(1), storableText(40).min(1)]))
      .max(20)
      .optional(),
    responseRetentionMonths: z.number().int().min(1).max(120).nullable().optional(),
    defaultLanguage: z
      .enum(UI_LANGUAGES)
      .nullable()
      .optional()
      .describe(
        'The language (en, ko or pl) invitations, reminders and employee pages use for participants whose roster ' +
          "row has no `language` attribute (see PUT /v1/roster). A survey not offered in it uses the survey's default " +
          "language. null: each survey's default language.",
      ),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), { message: 'nothing to change' });

export function toOrganizationResponse(org: Organization): z.infer<typeof organizationResponse> {
  return {
    id: org.id,
    slug: org.slug,
    name: org.name,
    minGroupSize: org.min_group_size,
    commentMinGroupSize: org.comment_min_group_size,
    reportablePairs: org.reportable_pairs,
    responseRetentionMonths: org.response_retention_months,
    defaultLanguage: (UI_LANGUAGES as readonly string[]).includes(org.default_language ?? '')
      ? (org.default_language as UiLanguage)
      : null,
  };
}
