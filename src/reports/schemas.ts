import { z } from 'zod';
import { storableText } from '../db/text.ts';

const suppressed = z
  .object({ suppressed: z.literal(true) })
  .describe('Hidden: fewer than k respondents, or hidden to protect a small group. No count is given.');
const enps = z.object({ score: z.number(), promoters: z.number(), passives: z.number(), detractors: z.number() });
const questionStats = z.object({
  n: z.number().int(),
  mean: z.number().nullable(),
  favourable: z.number().nullable().describe('likert5: share answering 4 or 5.'),
  distribution: z.record(z.string(), z.number()).describe('Share of answerers per option or scale point.'),
  enps: enps.nullable(),
});

export const groupReport = z.object({
  group: z.string(),
  suppressed: z.boolean(),
  respondents: z.number().int().nullable(),
  invited: z
    .number()
    .int()
    .nullable()
    .describe('Only where at least k invited did not respond, on the first reportable dimension (P7).'),
  responseRate: z.number().nullable().describe('Only together with invited (P7).'),
  engagementIndex: z.number().nullable(),
  enps: enps.nullable(),
  questions: z.record(z.string(), z.union([questionStats, suppressed])),
  themes: z.record(z.string(), z.union([z.object({ favourable: z.number(), answers: z.number().int() }), suppressed])),
});

const wave = z.object({
  number: z.number().int(),
  status: z.enum(['open', 'closed']),
  openedOn: z.iso.date(),
  closedOn: z.iso.date().nullable(),
});
export const toWave = (w: {
  number: number;
  status: 'open' | 'closed';
  opened_on: string;
  closed_on: string | null;
}) => ({ number: w.number, status: w.status, openedOn: w.opened_on, closedOn: w.closed_on });

export const reportParams = z.object({ id: z.uuid() });
// Strict: an unknown parameter (a would-be free filter such as ?department=Support) is refused, not ignored.
export const waveQuery = z.strictObject({
  wave: z.coerce.number().int().min(1).optional().describe('Wave number; default the latest.'),
});

const caveats = z
  .object({
    poolCodes: z.number().int().describe('Anonymous kiosk codes issued to HR for this wave (code pools).'),
    hrHeldLinks: z
      .number()
      .int()
      .describe(
        "Per-person links of this wave handed to HR in the distribution: all of a download survey's, those without an e-mail address in an e-mail survey.",
      ),
    rosterAdditions: z
      .number()
      .int()
      .describe(
        'Participants added to the roster (or rejoining it) after the survey first opened, invited into this wave.',
      ),
    revokedInvitations: z
      .number()
      .int()
      .describe(
        'Invitations of this wave revoked after they were issued (leavers, sync imports). They never count as non-responders: a group whose remaining invitations have fewer than k non-responders withholds its respondents (P7).',
      ),
    contestedAtLeast: z
      .number()
      .int()
      .nullable()
      .describe(
        'Submits that found their invitation already used (someone else answered with it, or its owner answered twice), rounded down to a multiple of k; null while the wave is open or below k (P7).',
      ),
    heldAnswersAtLeast: z
      .number()
      .int()
      .nullable()
      .describe(
        'Answers that came through tokens HR held (kiosk codes, named links of a download survey), rounded down to a multiple of k; null while open, or where fewer than k such answers, fewer than k such tokens unanswered, or fewer than k non-responders among the other invitations would follow (P7).',
      ),
  })
  .describe(
    'Roster stuffing (issue 13): counts of what HR itself caused in this wave, for the whole wave whatever the scope; no per-person data. Cells where such tokens could isolate fewer than k genuine people are withheld.',
  );

export const overviewResponse = z.object({
  wave,
  scope: z.object({ dimension: z.string(), value: z.string() }).nullable(),
  report: groupReport,
  caveats,
});
export const breakdownQuery = waveQuery.extend({
  dimension: storableText(40),
  by: storableText(40).optional().describe('A second dimension, only for pairs the organization declared.'),
});
export const breakdownResponse = z.object({
  wave,
  dimension: z.string(),
  by: z.string().nullable(),
  groups: z.array(groupReport),
});
export const heatmapQuery = waveQuery.extend({
  dimension: storableText(40),
  columns: z.enum(['theme', 'question']).default('theme'),
});
export const heatmapResponse = z.object({
  wave,
  dimension: z.string(),
  columns: z.array(z.string()),
  rows: z.array(
    z.object({ group: z.string(), cells: z.array(z.number().nullable()).describe('null: hidden or not applicable') }),
  ),
});
export const trendQuery = z.strictObject({ dimension: storableText(40).optional() });
export const trendResponse = z.array(
  z.object({
    wave: z.number().int(),
    status: z.enum(['open', 'closed']).describe('An open wave shows its total only; its groups come when it closes.'),
    openedOn: z.iso.date(),
    groups: z.array(groupReport),
  }),
);
export const commentsQuery = waveQuery.extend({
  question: storableText(40),
  dimension: storableText(40).optional(),
  value: storableText(200).optional(),
});
export const commentsResponse = z.object({
  wave,
  question: z.string(),
  suppressed: z.boolean(),
  comments: z.array(z.string()).describe('Random order, text only.'),
});
