import { z } from 'zod';
import { storableText } from '../db/text.ts';
import { audienceSchema, surveyDefinitionSchema } from './questions.ts';
import type { Selectable } from 'kysely';
import type { SurveyTable } from '../db/schema.ts';

const schedule = z
  .enum(['weekly', 'biweekly', 'monthly'])
  .nullable()
  .describe('Recurring pulse: each wave issues fresh invitations and closes the previous one.');

const delivery = z
  .enum(['email', 'codes', 'download'])
  .describe(
    'email: the service mails each invitee who has an address (HR never sees those links); people without one get no personal link and answer with kiosk codes from a pool per segment. codes: no one is invited by name; HR asks for kiosk codes per segment. download: HR receives every personal link, named — weaker (whoever holds a link can answer as its owner), so only when chosen. Default: email when the service has SMTP_URL, else codes.',
  );
const reminderAfterDays = z
  .number()
  .int()
  .min(1)
  .max(60)
  .nullable()
  .describe('Days after a wave opens when non-responders get one reminder (by e-mail).');

export const createSurveyBody = z.object({
  template: storableText(60).optional().describe('Start from a shipped template (GET /v1/templates).'),
  definition: surveyDefinitionSchema.optional(),
  audience: audienceSchema.optional(),
  minGroupSize: z
    .number()
    .int()
    .min(3)
    .max(1000)
    .optional()
    .describe("k for this survey; never below the organization's."),
  schedule: schedule.optional(),
  delivery: delivery.optional(),
  reminderAfterDays: reminderAfterDays.optional(),
});

export const updateSurveyBody = z
  .object({
    definition: surveyDefinitionSchema.optional(),
    audience: audienceSchema.optional(),
    minGroupSize: z.number().int().min(3).max(1000).optional(),
    schedule: schedule.optional(),
    delivery: delivery.optional(),
    reminderAfterDays: reminderAfterDays.optional(),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), 'nothing to change');

export const surveyParams = z.object({ id: z.uuid() });

export const surveyResponse = z.object({
  id: z.uuid(),
  status: z.enum(['draft', 'open', 'closed']),
  definition: surveyDefinitionSchema,
  audience: audienceSchema,
  minGroupSize: z.number().int(),
  schedule,
  delivery,
  hrHoldsNamedLinks: z
    .boolean()
    .describe(
      'Weaker protection: HR holds every personal link by name (download), so it could answer as anyone. Reports count these links (caveats.hrHeldLinks).',
    ),
  reminderAfterDays,
  template: z.string().nullable(),
  createdAt: z.iso.datetime(),
  reporting: z
    .object({
      dimensions: z.array(z.string()).describe('Reportable dimensions, most important first.'),
      pairs: z.array(z.tuple([z.string(), z.string()])).describe('Declared pairs of those dimensions.'),
      commentMinGroupSize: z.number().int().nullable().describe('The comment threshold (null: k alone).'),
    })
    .nullable()
    .describe(
      'Read-only. The reporting configuration fixed when the survey first opened (SPEC P3): every report, ' +
        'attribute snapshot and release of this survey uses it. Later changes to the organization ' +
        '(PATCH /v1/organization, PUT /v1/roster/dimensions) apply only to surveys opened afterwards. Null while a draft.',
    ),
});

export function toSurveyResponse(
  s: Pick<
    Selectable<SurveyTable>,
    | 'id'
    | 'status'
    | 'definition'
    | 'audience'
    | 'min_group_size'
    | 'schedule'
    | 'delivery'
    | 'reminder_after_days'
    | 'template'
    | 'created_at'
    | 'reporting'
  >,
) {
  return {
    id: s.id,
    status: s.status,
    definition: s.definition,
    audience: s.audience,
    minGroupSize: s.min_group_size,
    schedule: s.schedule,
    delivery: s.delivery,
    hrHoldsNamedLinks: s.delivery === 'download',
    reminderAfterDays: s.reminder_after_days,
    template: s.template,
    createdAt: s.created_at.toISOString(),
    reporting: s.reporting,
  };
}

export const waveResponse = z.object({
  id: z.uuid(),
  number: z.number().int(),
  status: z.enum(['open', 'closed']),
  openedOn: z.iso.date(),
  closedOn: z.iso.date().nullable(),
});

export const distributionResponse = z.object({
  wave: z.object({ id: z.uuid(), number: z.number().int(), openedOn: z.iso.date() }),
  invitations: z
    .array(
      z.object({
        externalId: z.string(),
        email: z.string().nullable(),
        name: z.string().nullable(),
        link: z.string(),
        code: z.string(),
      }),
    )
    .describe(
      'Personal links HR hands out, named (download surveys only: e-mail surveys mail theirs, codes surveys have none). Shown once: only keyed hashes are stored. Send with Accept: text/csv for a mail-merge file.',
    ),
  withoutInvitation: z
    .number()
    .int()
    .describe(
      'People of the audience who got no personal link (no e-mail address, or a codes survey): give them kiosk codes, POST /v1/surveys/:id/code-pools per segment.',
    ),
});

export const codePoolBody = z.object({
  count: z.number().int().min(1).max(1000),
  segment: z
    .record(storableText(40), storableText(200).min(1))
    .default({})
    .describe('Attributes every code carries, e.g. {"department":"Operations"}; no names.'),
});

export const codePoolResponse = z.object({ codes: z.array(z.object({ code: z.string(), link: z.string() })) });

export const templateResponse = z.object({
  key: z.string(),
  description: z.string(),
  definition: surveyDefinitionSchema,
});
