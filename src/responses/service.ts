import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { Conflict, DomainError, Unauthenticated, ValidationFailed } from '../errors.ts';
import { keyedHash, type Keys } from '../crypto/tokens.ts';
import { normalizeNicknameCode } from '../invitations/codes.ts';
import { answersSchema, type Answers, type Localized, type Question, type SurveyDefinition } from '../surveys/questions.ts';
import { releaseResponses, type ReleaseResult } from './mixer.ts';
import { sealResponse } from './sealed-box.ts';
import { issueSurveySession, readSurveySession } from './survey-session.ts';

/** Distinct, clear answers for each way a token can fail (issue: never one vague error). */
export const unknownToken = () => new DomainError(404, 'unknown-token', 'This link or code is not valid. Check it, or ask HR for a new one.');
const revokedToken = () => new DomainError(410, 'token-revoked', 'This invitation was withdrawn.');
const expiredToken = () => new DomainError(410, 'token-expired', 'This survey wave has closed; the link no longer works.');
const alreadySubmitted = () => new Conflict('already-submitted', 'Answers for this invitation were already received. Thank you!');
export const sessionExpired = () => new Unauthenticated('The survey session has expired; open your link or enter your code again.', 'survey-session-expired');

interface InvitationContext {
  orgId: string;
  invitationId: string;
  waveId: string;
  waveStatus: 'open' | 'closed';
  revoked: boolean;
  surveyId: string;
  definition: SurveyDefinition;
  minGroupSize: number;
}

function invitationQuery(db: Kysely<Database>) {
  return db
    .selectFrom('invitations')
    .innerJoin('waves', (j) => j.onRef('waves.org_id', '=', 'invitations.org_id').onRef('waves.id', '=', 'invitations.wave_id'))
    .innerJoin('surveys', (j) => j.onRef('surveys.org_id', '=', 'waves.org_id').onRef('surveys.id', '=', 'waves.survey_id'))
    .select([
      'invitations.org_id as orgId',
      'invitations.id as invitationId',
      'invitations.revoked as revoked',
      'waves.id as waveId',
      'waves.status as waveStatus',
      'surveys.id as surveyId',
      'surveys.definition as definition',
      'surveys.min_group_size as minGroupSize',
    ]);
}

export const participationMarker = (keys: Keys, invitationId: string) => keyedHash(keys.participation, invitationId);

async function assertUsable(db: Kysely<Database>, keys: Keys, ctx: InvitationContext): Promise<void> {
  if (ctx.revoked) throw revokedToken();
  if (ctx.waveStatus === 'closed') throw expiredToken();
  const spent = await db
    .selectFrom('participation')
    .select('marker')
    .where('org_id', '=', ctx.orgId)
    .where('wave_id', '=', ctx.waveId)
    .where('marker', '=', participationMarker(keys, ctx.invitationId))
    .executeTakeFirst();
  if (spent) throw alreadySubmitted();
}

async function startSession(db: Kysely<Database>, keys: Keys, ctx: InvitationContext | undefined) {
  if (!ctx) throw unknownToken();
  await assertUsable(db, keys, ctx);
  return { ...issueSurveySession(keys, { orgId: ctx.orgId, invitationId: ctx.invitationId }), context: ctx };
}

export async function sessionFromLinkToken(db: Kysely<Database>, keys: Keys, token: string) {
  return startSession(db, keys, await invitationQuery(db).where('invitations.token_hash', '=', keyedHash(keys['invitation-token'], token)).executeTakeFirst());
}

/** A code only counts inside the organization it is typed for: another organization's code is simply unknown. */
export async function sessionFromCode(db: Kysely<Database>, keys: Keys, organization: string, typed: string) {
  const code = normalizeNicknameCode(typed);
  if (!code) throw unknownToken();
  const ctx = await invitationQuery(db)
    .innerJoin('organizations', 'organizations.id', 'invitations.org_id')
    .where('organizations.slug', '=', organization)
    .where('invitations.code_hash', '=', keyedHash(keys['invitation-code'], code))
    .executeTakeFirst();
  return startSession(db, keys, ctx);
}

export async function contextForSession(db: Kysely<Database>, keys: Keys, sessionToken: string | undefined): Promise<InvitationContext> {
  const session = sessionToken ? readSurveySession(keys, sessionToken) : null;
  if (!session) throw sessionExpired();
  const ctx = await invitationQuery(db).where('invitations.org_id', '=', session.orgId).where('invitations.id', '=', session.invitationId).executeTakeFirst();
  if (!ctx) throw sessionExpired();
  await assertUsable(db, keys, ctx);
  return ctx;
}

/** The survey as the respondent sees it, in one language (falling back to the survey's default). */
export function localizeSurvey(definition: SurveyDefinition, minGroupSize: number, preferred: string[]) {
  const language = preferred.find((l) => definition.languages.includes(l)) ?? definition.defaultLanguage;
  const pick = (text: Localized) => text[language] ?? text[definition.defaultLanguage] ?? Object.values(text)[0]!;
  const question = (q: Question) => ({
    id: q.id,
    type: q.type,
    text: pick(q.text),
    required: q.required,
    ...(q.theme ? { theme: q.theme } : {}),
    ...(q.type === 'single_choice' || q.type === 'multi_choice' ? { options: q.options.map((o) => ({ id: o.id, text: pick(o.text) })) } : {}),
    ...(q.type === 'text' ? { maxLength: q.maxLength } : {}),
  });
  return { title: pick(definition.title), language, languages: definition.languages, minGroupSize, questions: definition.questions.map(question) };
}

/**
 * Stores one submission. Spending the invitation (a participation marker only the application
 * secret can compute) and sealing the answers happen in one transaction: a 2xx means both are
 * durable, and a second submit of the same invitation fails on the marker's key.
 */
export async function submitAnswers(db: Kysely<Database>, keys: Keys, sessionToken: string | undefined, rawAnswers: unknown, releaseBatchSize: number): Promise<{ release: Promise<ReleaseResult> }> {
  const ctx = await contextForSession(db, keys, sessionToken);
  const parsed = answersSchema(ctx.definition).safeParse(rawAnswers);
  if (!parsed.success) {
    throw new ValidationFailed(
      parsed.error.issues.map((i) => ({ field: ['answers', ...i.path.map(String)].join('.') + (i.code === 'unrecognized_keys' ? `.${i.keys.join(',')}` : ''), message: i.message })),
      'Some answers need another look.',
    );
  }
  const answers: Answers = parsed.data;
  await db.transaction().execute(async (trx) => {
    // FOR SHARE on the wave serialises with closing it (FOR UPDATE): no answer slips in after the final release.
    const wave = await trx.selectFrom('waves').select('status').where('org_id', '=', ctx.orgId).where('id', '=', ctx.waveId).forShare().executeTakeFirstOrThrow();
    if (wave.status !== 'open') throw expiredToken();
    // Read without a row lock on purpose: FOR SHARE would stamp this transaction's id into the
    // invitation's xmax, equal to the xmin of the participation row below — telling a database
    // reader who answered (SPEC P1 against T2). A revocation racing this submit simply loses.
    const invitation = await trx.selectFrom('invitations').select(['revoked', 'attributes']).where('org_id', '=', ctx.orgId).where('id', '=', ctx.invitationId).executeTakeFirstOrThrow();
    if (invitation.revoked) throw revokedToken();
    const spent = await trx
      .insertInto('participation')
      .values({ org_id: ctx.orgId, wave_id: ctx.waveId, marker: participationMarker(keys, ctx.invitationId) })
      .onConflict((oc) => oc.doNothing())
      .returning('marker')
      .executeTakeFirst();
    if (!spent) throw alreadySubmitted();
    await trx
      .insertInto('sealed_responses')
      .values({ org_id: ctx.orgId, wave_id: ctx.waveId, sealed: sealResponse(keys, ctx.orgId, ctx.waveId, { surveyId: ctx.surveyId, attributes: invitation.attributes, answers }) })
      .execute();
  });
  // After the commit, in its own transaction: release a batch if enough are now waiting.
  return { release: releaseResponses(db, keys, ctx.orgId, ctx.waveId, { flush: false, batchSize: releaseBatchSize }) };
}
