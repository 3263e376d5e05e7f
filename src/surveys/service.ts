import { sql, type Kysely, type Transaction } from 'kysely';
import type { DeliveryMode, Attributes, Database, Schedule } from '../db/schema.ts';
import { Conflict, DomainError, NotFound, ValidationFailed } from '../errors.ts';
import type { Keys } from '../crypto/tokens.ts';
import { issueInvitations, snapshotAttributes, type IssuedInvitation } from '../invitations/service.ts';
import { releaseResponses } from '../anonymity/mixer.ts';
import { flushContests } from '../responses/contests.ts';
import { shuffle } from '../anonymity/generalise.ts';
import { findTemplate } from './templates.ts';
import { batchKeysOf } from '../anonymity/batch-keys.ts';
import { writeThenSettle, type SettledTable, type SettleOptions } from '../anonymity/settle.ts';
import { queueMail } from '../delivery/outbox.ts';
import { composeMail } from '../delivery/templates.ts';
import { readerLanguage } from '../delivery/reader-language.ts';
import { readerFacingOrganization } from '../orgs/service.ts';
import type { Audience, SurveyDefinition } from './questions.ts';
import { surveyReporting } from './reporting.ts';

export interface SurveyInput {
  template?: string | undefined;
  definition?: SurveyDefinition | undefined;
  audience?: Audience | undefined;
  minGroupSize?: number | undefined;
  schedule?: Schedule | null | undefined;
  delivery?: DeliveryMode | undefined;
  reminderAfterDays?: number | null | undefined;
}

const surveyColumns = [
  'id',
  'status',
  'definition',
  'audience',
  'min_group_size',
  'schedule',
  'delivery',
  'reminder_after_days',
  'template',
  'created_at',
  'reporting',
] as const;

/** Where links go: HR's download, or the service's own mail (then HR never sees the tokens). */
export interface Delivery {
  publicUrl: string;
  emailEnabled: boolean;
}

async function assertDeclared(db: Kysely<Database>, orgId: string, audience: Audience | undefined): Promise<void> {
  const keys = Object.keys(audience?.filter ?? {});
  if (keys.length === 0) return;
  const declared = new Set(
    (await db.selectFrom('attribute_dimensions').select('key').where('org_id', '=', orgId).execute()).map((d) => d.key),
  );
  const unknown = keys.filter((k) => !declared.has(k));
  if (unknown.length > 0)
    throw new ValidationFailed(
      unknown.map((k) => ({ field: `body.audience.filter.${k}`, message: 'is not a declared attribute dimension' })),
    );
}

/** k of a survey is never below the organization's (SPEC: a survey may only raise it). */
async function organizationK(db: Kysely<Database>, orgId: string): Promise<number> {
  return (
    await db.selectFrom('organizations').select('min_group_size').where('id', '=', orgId).executeTakeFirstOrThrow()
  ).min_group_size;
}

/**
 * `defaultDelivery`: what a survey gets when it names none — never named links (SPEC P7): e-mail
 * where the service can send it, else kiosk codes. The choice is stored, so it never changes later.
 */
export async function createSurvey(
  db: Kysely<Database>,
  orgId: string,
  input: SurveyInput,
  defaultDelivery: Exclude<DeliveryMode, 'download'> = 'codes',
) {
  const template = input.template === undefined ? undefined : findTemplate(input.template);
  if (input.template !== undefined && !template)
    throw new ValidationFailed([{ field: 'body.template', message: 'is not a known template' }]);
  const definition = input.definition ?? structuredClone(template?.definition);
  if (!definition)
    throw new ValidationFailed([{ field: 'body.definition', message: 'is required unless a template is given' }]);
  await assertDeclared(db, orgId, input.audience);
  const orgK = await organizationK(db, orgId);
  if (input.minGroupSize !== undefined && input.minGroupSize < orgK) {
    throw new ValidationFailed([
      { field: 'body.minGroupSize', message: `may not be below the organization's minimum group size (${orgK})` },
    ]);
  }
  return db
    .insertInto('surveys')
    .values({
      org_id: orgId,
      status: 'draft',
      definition: JSON.stringify(definition),
      audience: JSON.stringify(input.audience ?? { filter: {} }),
      min_group_size: input.minGroupSize ?? orgK,
      schedule: input.schedule ?? null,
      delivery: input.delivery ?? defaultDelivery,
      reminder_after_days: input.reminderAfterDays ?? null,
      template: template?.key ?? null,
    })
    .returning(surveyColumns)
    .executeTakeFirstOrThrow();
}

export async function listSurveys(db: Kysely<Database>, orgId: string) {
  return db
    .selectFrom('surveys')
    .select(surveyColumns)
    .where('org_id', '=', orgId)
    .orderBy('created_at', 'desc')
    .execute();
}

export async function getSurvey(db: Kysely<Database> | Transaction<Database>, orgId: string, surveyId: string) {
  const survey = await db
    .selectFrom('surveys')
    .select(surveyColumns)
    .where('org_id', '=', orgId)
    .where('id', '=', surveyId)
    .executeTakeFirst();
  if (!survey) throw new NotFound('Survey');
  return survey;
}

/**
 * A draft may change in every way. Once opened (and after closing), questions and audience are
 * frozen; k may only go up, which hides more and so can never reveal what the old value hid (SPEC P2).
 */
export async function updateSurvey(
  db: Kysely<Database>,
  orgId: string,
  surveyId: string,
  changes: Omit<SurveyInput, 'template'>,
) {
  // Every token exchange reads the survey row: the first read after a change must not mark it.
  return writeThenSettle(db, ['surveys'], async (trx) => {
    const survey = await trx
      .selectFrom('surveys')
      .select(['status', 'min_group_size'])
      .where('org_id', '=', orgId)
      .where('id', '=', surveyId)
      .forUpdate()
      .executeTakeFirst();
    if (!survey) throw new NotFound('Survey');
    const started = survey.status !== 'draft';
    if (
      started &&
      (changes.definition !== undefined ||
        changes.audience !== undefined ||
        changes.schedule !== undefined ||
        changes.delivery !== undefined)
    ) {
      throw new Conflict(
        'survey-frozen',
        'Questions, audience and schedule are frozen once the survey has opened; only minGroupSize may be raised.',
      );
    }
    if (changes.minGroupSize !== undefined) {
      const floor = started ? survey.min_group_size : await organizationK(trx, orgId);
      if (changes.minGroupSize < floor) {
        throw new ValidationFailed([
          {
            field: 'body.minGroupSize',
            message: started
              ? `can only be raised once the survey has opened (now ${floor})`
              : `may not be below the organization's minimum group size (${floor})`,
          },
        ]);
      }
    }
    await assertDeclared(trx, orgId, changes.audience);
    return trx
      .updateTable('surveys')
      .set({
        ...(changes.definition !== undefined ? { definition: JSON.stringify(changes.definition) } : {}),
        ...(changes.audience !== undefined ? { audience: JSON.stringify(changes.audience) } : {}),
        ...(changes.minGroupSize !== undefined ? { min_group_size: changes.minGroupSize } : {}),
        ...(started && changes.minGroupSize !== undefined && changes.minGroupSize > survey.min_group_size
          ? { earlier_group_sizes: sql<number[]>`array_append(earlier_group_sizes, ${survey.min_group_size}::int)` }
          : {}),
        ...(changes.schedule !== undefined ? { schedule: changes.schedule } : {}),
        ...(changes.delivery !== undefined ? { delivery: changes.delivery } : {}),
        ...(changes.reminderAfterDays !== undefined ? { reminder_after_days: changes.reminderAfterDays } : {}),
      })
      .where('org_id', '=', orgId)
      .where('id', '=', surveyId)
      .returning(surveyColumns)
      .executeTakeFirstOrThrow();
  });
}

export async function listWaves(db: Kysely<Database>, orgId: string, surveyId: string) {
  await getSurvey(db, orgId, surveyId);
  return db
    .selectFrom('waves')
    .select(['id', 'number', 'status', 'opened_on', 'closed_on'])
    .where('org_id', '=', orgId)
    .where('survey_id', '=', surveyId)
    .orderBy('number')
    .execute();
}

export interface DistributionEntry {
  externalId: string;
  email: string | null;
  name: string | null;
  token: string;
  code: string;
}

/**
 * What a wave opening or closing writes and an employee may read afterwards: the new invitations,
 * the wave and survey rows (every token exchange joins them), and what closing the previous wave
 * releases (responses, counters) or deletes (the sealed box).
 */
export const WAVE_TABLES: readonly SettledTable[] = [
  'invitations',
  'sealed_box_epochs',
  'waves',
  'surveys',
  'responses',
  'sealed_responses',
  'answer_counts',
];

async function closeOpenWave(trx: Transaction<Database>, keys: Keys, orgId: string, surveyId: string): Promise<void> {
  const open = await trx
    .updateTable('waves')
    .set({ status: 'closed', closed_on: sql<string>`current_date` })
    .where('org_id', '=', orgId)
    .where('survey_id', '=', surveyId)
    .where('status', '=', 'open')
    .returning('id')
    .executeTakeFirst();
  // Closing expires every token of the wave (they are checked against its status) and releases
  // whatever still waits in the sealed box; this process's count of contested submits is written.
  if (open) {
    await releaseResponses(trx, keys, orgId, open.id, { flush: true });
    await flushContests(trx, keys, { orgId, waveId: open.id });
  }
}

/**
 * Opens the next wave: closes the current one, invites every active participant in the audience
 * with a fresh token and code, and returns those plaintexts — the only time they exist.
 */
async function openNextWave(
  db: Kysely<Database>,
  keys: Keys,
  orgId: string,
  surveyId: string,
  delivery: Delivery,
  onlyIfDue: boolean,
  settle: SettleOptions,
) {
  // Settled before the tokens leave (this function's return value, or the outbox's drain): P1.
  return writeThenSettle(
    db,
    WAVE_TABLES,
    async (trx) => {
      const survey = await trx
        .selectFrom('surveys')
        .select(['status', 'audience', 'delivery', 'definition', 'min_group_size', 'schedule', 'first_opened_at'])
        .where('org_id', '=', orgId)
        .where('id', '=', surveyId)
        .forUpdate()
        .executeTakeFirst();
      if (!survey) throw new NotFound('Survey');
      if (survey.status === 'closed') throw new Conflict('survey-closed', 'The survey is closed; create a new one.');
      if (survey.delivery === 'email' && !delivery.emailEnabled)
        throw new Conflict('email-not-configured', 'This survey is delivered by e-mail, but SMTP_URL is not set.');
      // The scheduler re-checks under the survey's row lock, so two instances never open the same wave.
      if (onlyIfDue && !(await waveIsDue(trx, orgId, surveyId, survey.schedule))) return null;
      await closeOpenWave(trx, keys, orgId, surveyId);
      const last = await trx
        .selectFrom('waves')
        .select((eb) => eb.fn.max('number').as('n'))
        .where('org_id', '=', orgId)
        .where('survey_id', '=', surveyId)
        .executeTakeFirst();
      const wave = await trx
        .insertInto('waves')
        .values({ org_id: orgId, survey_id: surveyId, number: (last?.n ?? 0) + 1, status: 'open' })
        .returning(['id', 'number', 'opened_on'])
        .executeTakeFirstOrThrow();

      // P3: the first opening fixes the reporting configuration as the organization has it now;
      // later waves keep it (read under the survey's row lock, so one opening fixes it once).
      const reporting = await surveyReporting(trx, orgId, surveyId);
      const audience = await inAudience(trx, orgId, survey.audience)
        .select(['id', 'external_id', 'email', 'name', 'attributes', 'joined_at'])
        .orderBy('external_id')
        .execute();
      // SPEC P7: a personal link exists only where it reaches its owner without HR — by mail — or
      // where HR chose to hand out named links (download). Everyone else answers with a kiosk code
      // from a pool of their segment, which the pool cap counts them for (they hold no invitation).
      const participants =
        survey.delivery === 'download'
          ? audience
          : survey.delivery === 'email'
            ? audience.filter((p) => p.email !== null)
            : [];
      const firstOpened = survey.first_opened_at ?? (await transactionStart(trx));
      // Issue 13: which links HR receives (all of a download survey's; no other), and who joined
      // the roster since the survey first opened.
      const issued = await issueInvitations(
        trx,
        keys,
        orgId,
        wave.id,
        participants.map((p) => ({
          participantId: p.id,
          attributes: snapshotAttributes(p.attributes, reporting.dimensions),
          heldByHr: survey.delivery === 'download',
          rosterAddition: p.joined_at !== null && p.joined_at > firstOpened,
        })),
      );
      await trx
        .updateTable('surveys')
        .set({
          status: 'open',
          first_opened_at: firstOpened,
          ...(survey.status === 'draft' ? { reporting: JSON.stringify(reporting) } : {}),
        })
        .where('org_id', '=', orgId)
        .where('id', '=', surveyId)
        .execute();
      let distribution: DistributionEntry[] = participants.map((p, i) => ({
        externalId: p.external_id,
        email: p.email,
        name: p.name,
        ...issued[i]!,
      }));
      if (survey.delivery === 'email') {
        // Issue 14: each mail in its recipient's language, from their employer by name.
        const sender = await readerFacingOrganization(trx, orgId);
        const mailed = distribution.flatMap((d, i) =>
          d.email === null
            ? []
            : [
                {
                  ...d,
                  language: readerLanguage(survey.definition, participants[i]!.attributes, sender.defaultLanguage),
                },
              ],
        );
        await queueMail(
          trx,
          keys,
          orgId,
          mailed.map((d) =>
            composeMail(
              'invitation',
              survey.definition,
              survey.min_group_size,
              d.email!,
              `${delivery.publicUrl}/s/${d.token}`,
              d.code,
              { organizationName: sender.organizationName, language: d.language },
            ),
          ),
        );
        distribution = [];
      }
      // Its first key now, not at its first answer (docs/privacy.md), and last: a step that fails
      // before it leaves no key behind.
      await batchKeysOf(keys).firstEpoch(trx, orgId, wave.id);
      return { wave, distribution, withoutInvitation: audience.length - participants.length };
    },
    settle,
  );
}

/** Active participants in the survey's audience: whom a wave invites. */
function inAudience(trx: Transaction<Database>, orgId: string, audience: Audience) {
  let members = trx.selectFrom('participants').where('org_id', '=', orgId).where('active', '=', true);
  for (const [dimension, values] of Object.entries(audience.filter)) {
    members = members.where(sql<string>`attributes ->> ${dimension}`, '=', sql<string>`any(${values}::text[])`);
  }
  return members;
}

async function transactionStart(trx: Transaction<Database>): Promise<Date> {
  return (await sql<{ now: Date }>`select now() as now`.execute(trx)).rows[0]!.now;
}

export async function openWave(
  db: Kysely<Database>,
  keys: Keys,
  orgId: string,
  surveyId: string,
  delivery: Delivery,
  settle: SettleOptions = {},
) {
  return (await openNextWave(db, keys, orgId, surveyId, delivery, false, settle))!;
}

/** The scheduler's way in: opens the next wave only if the current one has run its interval. */
export async function openWaveIfDue(
  db: Kysely<Database>,
  keys: Keys,
  orgId: string,
  surveyId: string,
  delivery: Delivery,
  settle: SettleOptions = {},
) {
  return openNextWave(db, keys, orgId, surveyId, delivery, true, settle);
}

const INTERVAL_DAYS: Record<Schedule, number> = { weekly: 7, biweekly: 14, monthly: 30 };

async function waveIsDue(
  trx: Transaction<Database>,
  orgId: string,
  surveyId: string,
  schedule: Schedule | null,
): Promise<boolean> {
  if (!schedule) return false;
  const current = await trx
    .selectFrom('waves')
    .select(sql<boolean>`opened_on + ${INTERVAL_DAYS[schedule]}::int <= current_date`.as('due'))
    .where('org_id', '=', orgId)
    .where('survey_id', '=', surveyId)
    .where('status', '=', 'open')
    .executeTakeFirst();
  return current?.due ?? false;
}

/**
 * Recurring pulses whose current wave has run its interval and whose next wave the scheduler can
 * deliver: codes surveys, and e-mail surveys when mail can be sent. Never download surveys.
 */
export async function surveysWithDueWaves(db: Kysely<Database>, can: { email: boolean }) {
  return db
    .selectFrom('surveys')
    .innerJoin('waves', (j) =>
      j.onRef('waves.org_id', '=', 'surveys.org_id').onRef('waves.survey_id', '=', 'surveys.id'),
    )
    .select(['surveys.org_id', 'surveys.id'])
    .where('surveys.status', '=', 'open')
    .where('waves.status', '=', 'open')
    .where('surveys.schedule', 'is not', null)
    .where('surveys.delivery', 'in', can.email ? ['email', 'codes'] : ['codes'])
    .where(
      sql<boolean>`waves.opened_on + case surveys.schedule when 'weekly' then 7 when 'biweekly' then 14 else 30 end <= current_date`,
    )
    .execute();
}

export async function closeSurvey(db: Kysely<Database>, keys: Keys, orgId: string, surveyId: string) {
  return writeThenSettle(db, WAVE_TABLES, async (trx) => {
    const survey = await trx
      .selectFrom('surveys')
      .select('status')
      .where('org_id', '=', orgId)
      .where('id', '=', surveyId)
      .forUpdate()
      .executeTakeFirst();
    if (!survey) throw new NotFound('Survey');
    if (survey.status === 'draft') throw new Conflict('survey-not-open', 'A draft has no wave to close.');
    await closeOpenWave(trx, keys, orgId, surveyId);
    await trx
      .updateTable('surveys')
      .set({ status: 'closed' })
      .where('org_id', '=', orgId)
      .where('id', '=', surveyId)
      .execute();
    return getSurvey(trx, orgId, surveyId);
  });
}

/** A pool larger than the people it could be for: the codes would stand for people who do not exist. */
export class CodePoolTooLarge extends DomainError {
  constructor(requested: number, available: number) {
    super(
      409,
      'code-pool-too-large',
      `Asked for ${requested} codes, but only ${available} can still be issued for this segment in this wave: ` +
        'a pool may not exceed the active participants of the segment (in the survey audience) who hold no ' +
        'invitation in the open wave, less the codes already pooled for the segment.',
      { title: 'Code pool larger than its segment', available },
    );
  }
}

/**
 * Issue 13 (roster stuffing): codes a pool may still hold for a segment — the active participants
 * in the survey's audience who match it and hold no invitation in the open wave, less the codes
 * already pooled in the wave for any segment that may hold the same people (the same, a narrower,
 * a wider, or an overlapping one). Serialised per wave, so two requests cannot both spend the same people.
 */
async function poolableParticipants(
  trx: Transaction<Database>,
  orgId: string,
  surveyId: string,
  waveId: string,
  segment: Attributes,
): Promise<number> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${waveId}::text, 0))`.execute(trx);
  const survey = await trx
    .selectFrom('surveys')
    .select('audience')
    .where('org_id', '=', orgId)
    .where('id', '=', surveyId)
    .executeTakeFirstOrThrow();
  const json = JSON.stringify(segment);
  const people = await inAudience(trx, orgId, survey.audience)
    .where(sql<boolean>`attributes @> ${json}::jsonb`)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('invitations as i')
            .select(sql`1`.as('one'))
            .where('i.org_id', '=', orgId)
            .where('i.wave_id', '=', waveId)
            .whereRef('i.participant_id', '=', 'participants.id'),
        ),
      ),
    )
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const pooled = await trx
    .selectFrom('invitations')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('org_id', '=', orgId)
    .where('wave_id', '=', waveId)
    .where('participant_id', 'is', null)
    // Any pool whose segment could hold the same people: no attribute both name with two values
    // (an outside attack pooled {department: Ops}, then {location: Main}: 44 codes for 30 people).
    .where(
      sql<boolean>`not exists (select 1 from jsonb_each_text(attributes) a join jsonb_each_text(${json}::jsonb) b on a.key = b.key where a.value <> b.value)`,
    )
    .executeTakeFirstOrThrow();
  return Math.max(0, people.n - pooled.n);
}

/**
 * Anonymous codes for kiosks and deskless staff: N invitations in the current wave carrying only
 * the segment's (reportable) attributes, no participant. Returned shuffled.
 */
export async function createCodePool(
  db: Kysely<Database>,
  keys: Keys,
  orgId: string,
  surveyId: string,
  input: { count: number; segment: Attributes },
): Promise<IssuedInvitation[]> {
  // The codes go to HR in the answer; a kiosk user's first use must find their row settled.
  return writeThenSettle(db, ['invitations'], async (trx) => {
    // An unknown survey (or another organization's) is a 404 like on every other survey route;
    // 409 is only for a survey of this organization without an open wave.
    const survey = await trx
      .selectFrom('surveys')
      .select('id')
      .where('org_id', '=', orgId)
      .where('id', '=', surveyId)
      .executeTakeFirst();
    if (!survey) throw new NotFound('Survey');
    const wave = await trx
      .selectFrom('waves')
      .select('id')
      .where('org_id', '=', orgId)
      .where('survey_id', '=', surveyId)
      .where('status', '=', 'open')
      .forShare()
      .executeTakeFirst();
    if (!wave) throw new Conflict('survey-not-open', 'Open a wave before asking for codes.');
    // The survey's fixed dimensions, not the organization's current ones (P3); a segment may name
    // any declared dimension (non-reportable ones are dropped from the snapshot).
    const { dimensions } = await surveyReporting(trx, orgId, surveyId);
    const declared = new Set([
      ...(await trx.selectFrom('attribute_dimensions').select('key').where('org_id', '=', orgId).execute()).map(
        (d) => d.key,
      ),
      ...dimensions,
    ]);
    const unknown = Object.keys(input.segment).filter((k) => !declared.has(k));
    if (unknown.length > 0)
      throw new ValidationFailed(
        unknown.map((k) => ({ field: `body.segment.${k}`, message: 'is not a declared attribute dimension' })),
      );
    const attributes = snapshotAttributes(input.segment, dimensions);
    const available = await poolableParticipants(trx, orgId, surveyId, wave.id, attributes);
    if (input.count > available) throw new CodePoolTooLarge(input.count, available);
    const issued = await issueInvitations(
      trx,
      keys,
      orgId,
      wave.id,
      Array.from({ length: input.count }, () => ({ participantId: null, attributes, heldByHr: true })),
    );
    return shuffle(issued);
  });
}
