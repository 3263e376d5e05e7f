import type { Kysely } from 'kysely';
import type { Attributes, Database } from '../db/schema.ts';
import { sql, type CompiledQuery } from 'kysely';
import { preparedQuery, preparedStatement } from '../db/prepared.ts';
import { Conflict, DomainError, Unauthenticated, ValidationFailed } from '../errors.ts';
import { keyedHash, type Keys } from '../crypto/tokens.ts';
import { CODE_LIFETIME_DAYS, normalizeNicknameCode } from '../invitations/codes.ts';
import {
  answersSchema,
  type Answers,
  type Localized,
  type Question,
  type SurveyDefinition,
} from '../surveys/questions.ts';
import { releaseDueAt, releaseResponses, type ReleaseResult } from '../anonymity/mixer.ts';
import { sealResponse, snapshotDigest } from '../anonymity/sealed-box.ts';
import { batchKeysOf } from '../anonymity/batch-keys.ts';
import { issueSurveySession, readSurveySession, type SurveySession } from './survey-session.ts';
import type { OpenWave, OpenWaves } from './open-waves.ts';
import { countContest } from './contests.ts';
import { participationMarker, submissionOf } from '../anonymity/participation.ts';

/** Distinct, clear answers for each way a token can fail (issue: never one vague error). */
export const unknownToken = () =>
  new DomainError(404, 'unknown-token', 'This link or code is not valid. Check it, or ask HR for a new one.');
const revokedToken = () => new DomainError(410, 'token-revoked', 'This invitation was withdrawn.');
const expiredToken = () =>
  new DomainError(410, 'token-expired', 'This survey wave has closed; the link no longer works.');
const alreadySubmitted = () =>
  new Conflict(
    'already-submitted',
    'Answers for this invitation were already received, so these were not stored. If you did not send them yourself, someone else used your invitation: tell your HR contact or employee representative, and ask for a kiosk code to answer.',
  );
export const sessionExpired = () =>
  new Unauthenticated(
    'The survey session has expired; open your link or enter your code again.',
    'survey-session-expired',
  );

export interface InvitationContext {
  orgId: string;
  invitationId: string;
  waveId: string;
  waveStatus: 'open' | 'closed';
  revoked: boolean;
  surveyId: string;
  definition: SurveyDefinition;
  minGroupSize: number;
  attributes: Attributes;
  /** The organization as the survey pages name it (read in the same statement, not two more). */
  orgSlug: string;
  organizationName: string;
}

// A survey's questions are frozen once it opens (updateSurvey refuses to change them) and only an
// opened survey has invitations, so its definition is read from jsonb once per survey, not on
// every token exchange, survey fetch and submit.
const definitions = new Map<string, SurveyDefinition>();

async function definitionOf(
  db: Kysely<Database>,
  orgId: string,
  surveyId: string,
): Promise<SurveyDefinition | undefined> {
  const cacheKey = `${orgId}:${surveyId}`;
  let definition = definitions.get(cacheKey);
  if (!definition) {
    const row = await db
      .selectFrom('surveys')
      .select('definition')
      .where('org_id', '=', orgId)
      .where('id', '=', surveyId)
      .executeTakeFirst();
    if (!row) return undefined;
    definition = row.definition as SurveyDefinition;
    definitions.set(cacheKey, definition);
  }
  return definition;
}

async function withDefinition(
  db: Kysely<Database>,
  row: Omit<InvitationContext, 'definition'> | undefined,
): Promise<InvitationContext | undefined> {
  if (!row) return undefined;
  const definition = await definitionOf(db, row.orgId, row.surveyId);
  return definition && { ...row, definition };
}

function invitationQuery(db: Kysely<Database>) {
  return db
    .selectFrom('invitations')
    .innerJoin('waves', (j) =>
      j.onRef('waves.org_id', '=', 'invitations.org_id').onRef('waves.id', '=', 'invitations.wave_id'),
    )
    .innerJoin('surveys', (j) =>
      j.onRef('surveys.org_id', '=', 'waves.org_id').onRef('surveys.id', '=', 'waves.survey_id'),
    )
    .innerJoin('organizations', 'organizations.id', 'invitations.org_id')
    .select([
      'organizations.slug as orgSlug',
      'organizations.name as organizationName',
      'invitations.org_id as orgId',
      'invitations.id as invitationId',
      'invitations.revoked as revoked',
      'waves.id as waveId',
      'waves.status as waveStatus',
      'surveys.id as surveyId',
      'surveys.min_group_size as minGroupSize',
      'invitations.attributes as attributes',
    ]);
}

// The three ways to an invitation, compiled once and run as named statements (src/db/prepared.ts).
const invitationByToken = preparedQuery(
  (db, tokenHash: Buffer) => invitationQuery(db).where('invitations.token_hash', '=', tokenHash),
  [Buffer.alloc(32)],
);
const invitationByCode = preparedQuery(
  (db, organization: string, codeHash: Buffer, lifetimeDays: number) =>
    invitationQuery(db)
      .where('organizations.slug', '=', organization)
      .where('invitations.code_hash', '=', codeHash)
      // P5: a code is accepted for CODE_LIFETIME_DAYS after its wave opens, the span docs/codes.md counts guesses over.
      .where('waves.opened_on', '>', sql<string>`current_date - ${lifetimeDays}::int`),
  ['organization', Buffer.alloc(32), -1],
);
const invitationById = preparedQuery(
  (db, orgId: string, invitationId: string) =>
    invitationQuery(db).where('invitations.org_id', '=', orgId).where('invitations.id', '=', invitationId),
  ['org', 'invitation'],
);
const first = async <R>(db: Kysely<Database>, query: CompiledQuery<R>) => (await db.executeQuery(query)).rows[0];

/**
 * Whether a token may start a session: not revoked, its wave still open. Never whether it was
 * spent (SPEC P7): whoever holds a token — HR holds the links it hands out — would otherwise sort
 * invitations into answered and not answered without sending anything. Opening a spent token
 * therefore looks exactly like opening an unspent one (and reads nothing that a spent token would
 * mark on disk, P1); only a submit tells, and that spends it.
 */
function assertOpen(ctx: InvitationContext): void {
  if (ctx.revoked) throw revokedToken();
  if (ctx.waveStatus === 'closed') throw expiredToken();
}

function startSession(ctx: InvitationContext | undefined, keys: Keys) {
  if (!ctx) throw unknownToken();
  assertOpen(ctx);
  const submit = {
    waveId: ctx.waveId,
    surveyId: ctx.surveyId,
    snapshotDigest: snapshotDigest(ctx.attributes),
    minGroupSize: ctx.minGroupSize,
  };
  return { ...issueSurveySession(keys, { orgId: ctx.orgId, invitationId: ctx.invitationId, submit }), context: ctx };
}

export async function sessionFromLinkToken(db: Kysely<Database>, keys: Keys, token: string) {
  return startSession(
    await withDefinition(db, await first(db, invitationByToken(db, keyedHash(keys['invitation-token'], token)))),
    keys,
  );
}

/** A code only counts inside the organization it is typed for: another organization's code is simply unknown. */
export async function sessionFromCode(db: Kysely<Database>, keys: Keys, organization: string, typed: string) {
  const code = normalizeNicknameCode(typed);
  if (!code) throw unknownToken();
  const ctx = await withDefinition(
    db,
    await first(db, invitationByCode(db, organization, keyedHash(keys['invitation-code'], code), CODE_LIFETIME_DAYS)),
  );
  return startSession(ctx, keys);
}

/** What a survey session's pages need: its invitation's context, less the attribute snapshot. */
export type SessionContext = Omit<InvitationContext, 'attributes'>;

/**
 * The invitation behind a survey session, while it may still be answered (spent or not: see
 * assertOpen). A session of an open wave is answered from this instance's view of the open waves
 * (open-waves.ts) without a read; any other is read from the database.
 */
export async function contextForSession(
  db: Kysely<Database>,
  keys: Keys,
  sessionToken: string | undefined,
  openWaves?: OpenWaves,
): Promise<SessionContext> {
  const session = sessionToken ? readSurveySession(keys, sessionToken) : null;
  if (!session) throw sessionExpired();
  const open = session.submit && openWaves?.get(session.orgId, session.submit.waveId);
  if (open) {
    if (open.revoked.has(session.invitationId)) throw revokedToken();
    const definition = await definitionOf(db, session.orgId, open.surveyId);
    if (!definition) throw sessionExpired();
    return {
      orgId: session.orgId,
      invitationId: session.invitationId,
      waveId: session.submit!.waveId,
      waveStatus: 'open',
      revoked: false,
      surveyId: open.surveyId,
      definition,
      minGroupSize: open.minGroupSize,
      orgSlug: open.orgSlug,
      organizationName: open.organizationName,
    };
  }
  return readSessionContext(db, session);
}

async function readSessionContext(db: Kysely<Database>, session: SurveySession): Promise<InvitationContext> {
  const ctx = await withDefinition(db, await first(db, invitationById(db, session.orgId, session.invitationId)));
  if (!ctx) throw sessionExpired();
  assertOpen(ctx);
  return ctx;
}

// A survey's questions are frozen once it opens, so its answer schema is built once, not per answer.
const schemas = new Map<string, ReturnType<typeof answersSchema>>();
export function cachedAnswersSchema(surveyId: string, definition: SurveyDefinition) {
  let schema = schemas.get(surveyId);
  if (!schema) {
    schemas.set(surveyId, (schema = answersSchema(definition)));
  }
  return schema;
}

const deepFreeze = <T>(value: T): T => {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
};

// The survey as respondents see it, per survey, language and k (k only rises; it is read with the
// session each time). Frozen: shared by every request, and its JSON is encoded once
// (src/plugins/serializer.ts).
const localized = new Map<string, ReturnType<typeof localizeDefinition>>();

const localizedKey = (survey: { orgId: string; surveyId: string }, language: string, minGroupSize: number) =>
  `${survey.orgId}:${survey.surveyId}:${language}:${minGroupSize}`;

/** The survey as the respondent sees it, in one language (falling back to the survey's default). */
export function localizeSurvey(
  ctx: Pick<InvitationContext, 'orgId' | 'surveyId' | 'definition' | 'minGroupSize'>,
  preferred: string[],
) {
  const { definition, minGroupSize } = ctx;
  const language = preferred.find((l) => definition.languages.includes(l)) ?? definition.defaultLanguage;
  const cacheKey = localizedKey(ctx, language, minGroupSize);
  let survey = localized.get(cacheKey);
  if (!survey) {
    localized.set(cacheKey, (survey = deepFreeze(localizeDefinition(definition, minGroupSize, language))));
  }
  return survey;
}

/**
 * Everything a request of an open wave would otherwise compute on its first use, computed when
 * the open-waves view reads the waves, on its clock (open-waves.ts): each one's definition, the
 * survey in each of its languages at the current k, its answer schema, the organization's slug,
 * the wave's current key. A request's time then says nothing of whether others came before it, or
 * in which language (SPEC P7; found by the issue 16 audits: a fetch in a language nobody had
 * fetched yet took half as long again, a wave's first submit on an instance 0.6–0.9 ms more).
 * The caches hold what the open waves need, and what requests of other waves added since the
 * last read: no size cap empties them at a moment a request chose (a second audit found the old
 * caps, once more than 1,000 surveys were open, undoing this preparation every tick).
 * Returns the localized surveys, for the routes to encode their answers ahead too.
 */
export async function warmOpenWaves(db: Kysely<Database>, keys: Keys, waves: OpenWave[]) {
  const surveys = new Set(waves.map((w) => `${w.orgId}:${w.surveyId}`));
  const organizations = new Set(waves.map((w) => w.orgId));
  for (const key of definitions.keys()) if (!surveys.has(key)) definitions.delete(key);
  const surveyIds = new Set(waves.map((w) => w.surveyId));
  for (const key of schemas.keys()) if (!surveyIds.has(key)) schemas.delete(key);
  for (const key of slugs.keys()) if (!organizations.has(key)) slugs.delete(key);
  // The definitions not read yet, in one statement (a definition is frozen once its survey opens).
  const missing = waves.filter((w) => !definitions.has(`${w.orgId}:${w.surveyId}`));
  if (missing.length > 0) {
    const rows = await db
      .selectFrom('surveys')
      .select(['org_id', 'id', 'definition'])
      .where('id', '=', sql<string>`any(${missing.map((w) => w.surveyId)}::uuid[])`)
      .execute();
    for (const row of rows) definitions.set(`${row.org_id}:${row.id}`, row.definition as SurveyDefinition);
  }
  const prepared = [];
  const current = new Set<string>();
  for (const wave of waves) {
    const definition = await definitionOf(db, wave.orgId, wave.surveyId);
    if (!definition) continue;
    if (!slugs.has(wave.orgId)) slugs.set(wave.orgId, wave.orgSlug);
    cachedAnswersSchema(wave.surveyId, definition);
    // A key that cannot be read now (the wave closing meanwhile) is read by the submit, as before.
    await batchKeysOf(keys)
      .prime(wave.orgId, wave.waveId, wave.epoch)
      .catch(() => undefined);
    for (const language of definition.languages) {
      current.add(localizedKey(wave, language, wave.minGroupSize));
      prepared.push(localizeSurvey({ ...wave, definition }, [language]));
    }
  }
  for (const key of localized.keys()) if (!current.has(key)) localized.delete(key);
  return prepared;
}

/** A definition in one language (a template's preview too); localizeSurvey caches it per survey. */
export function localizeDefinition(definition: SurveyDefinition, minGroupSize: number, language: string) {
  const pick = (text: Localized) => text[language] ?? text[definition.defaultLanguage] ?? Object.values(text)[0]!;
  const question = (q: Question) => ({
    id: q.id,
    type: q.type,
    text: pick(q.text),
    required: q.required,
    ...(q.theme ? { theme: q.theme } : {}),
    ...(q.type === 'single_choice' || q.type === 'multi_choice'
      ? { options: q.options.map((o) => ({ id: o.id, text: pick(o.text) })) }
      : {}),
    ...(q.type === 'text' ? { maxLength: q.maxLength } : {}),
  });
  return {
    title: pick(definition.title),
    language,
    languages: definition.languages,
    minGroupSize,
    questions: definition.questions.map(question),
  };
}

interface SubmitOutcome {
  wave_status: string | null;
  revoked: boolean | null;
  stored: boolean;
  stale: boolean;
  replay: boolean;
  pending: number;
}

// $1 organization, $2 wave, $3 invitation, $4 marker, $5 submission hash, $6 epoch, $7 sealed box,
// $8 how many pending boxes make a release due: the count stops there (between releases under
// load hundreds wait, and every submit counted them all).
const submitStatement = preparedStatement<SubmitOutcome>(`
    with wave as (
      select status from waves where org_id = $1::uuid and id = $2::uuid for share
    ), invitation as (
      select revoked from invitations where org_id = $1::uuid and id = $3::uuid
    ), epoch as (
      select epoch from sealed_box_epochs where org_id = $1::uuid and wave_id = $2::uuid for share
    ), spent as (
      insert into participation (org_id, wave_id, marker, submission)
      select $1::uuid, $2::uuid, $4::bytea, $5::bytea
      where (select status from wave) = 'open' and not (select revoked from invitation)
        and (select epoch from epoch) = $6::int
      on conflict do nothing
      returning 1
    ), boxed as (
      insert into sealed_responses (org_id, wave_id, sealed)
      select $1::uuid, $2::uuid, $7::bytea where exists (select 1 from spent)
      returning 1
    )
    select (select status from wave) as wave_status, (select revoked from invitation) as revoked, exists (select 1 from boxed) as stored,
      (select epoch from epoch) is distinct from $6::int as stale,
      -- The statement's snapshot predates its own insert: this sees only an earlier submission.
      exists (select 1 from participation where org_id = $1::uuid and wave_id = $2::uuid and marker = $4::bytea and submission = $5::bytea) as replay,
      (select count(*) from (select from sealed_responses where org_id = $1::uuid and wave_id = $2::uuid limit $8::int) due) as pending
  `);
const markerRead = preparedStatement(
  'select marker from participation where org_id = $1::uuid and wave_id = $2::uuid and marker = $3::bytea',
);

/** What a submit needs of its session: where the answers go, how to check and seal them. */
export interface SubmitContext {
  orgId: string;
  orgSlug: string;
  invitationId: string;
  waveId: string;
  surveyId: string;
  definition: SurveyDefinition;
  minGroupSize: number;
  snapshotDigest: string;
}

// An organization's slug never changes once created.
const slugs = new Map<string, string>();
async function slugOf(db: Kysely<Database>, orgId: string): Promise<string | undefined> {
  let slug = slugs.get(orgId);
  if (slug === undefined) {
    slug = (await db.selectFrom('organizations').select('slug').where('id', '=', orgId).executeTakeFirst())?.slug;
    if (slug === undefined) return undefined;
    slugs.set(orgId, slug);
  }
  return slug;
}

/**
 * The spent check happens in the submit's write itself (the marker's key): the only place it
 * happens. The wave's status and the revocation are checked there too, so a session that carries
 * what the submit needs (issued by this version) reads nothing before it: one round trip fewer.
 * Not whether the session may still answer (a closed wave, a revoked invitation): the write says.
 */
export async function submitContextOf(
  db: Kysely<Database>,
  keys: Keys,
  sessionToken: string | undefined,
): Promise<SubmitContext> {
  const session = sessionToken ? readSurveySession(keys, sessionToken) : null;
  if (!session) throw sessionExpired();
  if (!session.submit) {
    const read = await readSessionContext(db, session);
    return { ...read, snapshotDigest: snapshotDigest(read.attributes) };
  }
  const definition = await definitionOf(db, session.orgId, session.submit.surveyId);
  const orgSlug = await slugOf(db, session.orgId);
  if (!definition || orgSlug === undefined) throw sessionExpired();
  return { orgId: session.orgId, orgSlug, invitationId: session.invitationId, ...session.submit, definition };
}

/**
 * Stores one submission. Spending the invitation (a participation marker only the application
 * secret can compute) and sealing the answers happen in one transaction: a 2xx means both are
 * durable, and a second submit of the same invitation fails on the marker's key.
 */
export async function submitAnswers(
  db: Kysely<Database>,
  keys: Keys,
  sessionToken: string | undefined,
  rawAnswers: unknown,
  releaseBatchSize: number,
  idempotencyKey?: string,
  /** The session's submit context, when the caller (the form) has just read it for this request. */
  loaded?: SubmitContext,
): Promise<{ release: Promise<ReleaseResult>; orgId: string; surveyId: string }> {
  const ctx = loaded ?? (await submitContextOf(db, keys, sessionToken));
  const parsed = cachedAnswersSchema(ctx.surveyId, ctx.definition).safeParse(rawAnswers);
  if (!parsed.success) {
    throw new ValidationFailed(
      parsed.error.issues.map((i) => ({
        field:
          ['answers', ...i.path.map(String)].join('.') + (i.code === 'unrecognized_keys' ? `.${i.keys.join(',')}` : ''),
        message: i.message,
      })),
      'Some answers need another look.',
    );
  }
  const answers: Answers = parsed.data;
  // One statement, so one atomic transaction and one round trip: the wave must still be open
  // (FOR SHARE serialises with closing it, which takes FOR UPDATE), the invitation not revoked
  // (read without a row lock: a lock would stamp this transaction's id into the invitation's
  // xmax, equal to the participation row's xmin — telling a database reader who answered, P1/T2),
  // then the participation marker (its key refuses a second submit) and the sealed answers.
  // The box is sealed under the wave's current key epoch (T3 crypto-shredding), read FOR SHARE:
  // a release updates that row, so it waits for this submit to commit (and then sees its box),
  // or this statement sees the release's new epoch and stores nothing — sealed under a key about
  // to be destroyed, it would be an acknowledged answer lost. It is then sealed again.
  const marker = participationMarker(keys, ctx.invitationId);
  const submission = submissionOf(keys, sessionToken!, idempotencyKey);
  const batchKeys = batchKeysOf(keys);
  let outcome: SubmitOutcome | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    const epoch = await batchKeys.sealing(db, ctx.orgId, ctx.waveId).catch(async (error: unknown) => {
      // A wave closed since the session was issued has no key to seal under (destroyed at close,
      // or never made): the old read names the refusal (410, 401); only an open wave's missing key
      // is a fault of ours. (Found by the issue 16 audit: a late submit answered 500.)
      await contextForSession(db, keys, sessionToken);
      throw error;
    });
    const sealed = sealResponse(epoch.key, ctx.orgId, ctx.waveId, ctx.definition, {
      surveyId: ctx.surveyId,
      snapshotDigest: ctx.snapshotDigest,
      answers,
    });
    const { rows } = await db.executeQuery(
      submitStatement([
        ctx.orgId,
        ctx.waveId,
        ctx.invitationId,
        marker,
        submission,
        epoch.epoch,
        sealed,
        releaseDueAt(ctx.minGroupSize, releaseBatchSize),
      ]),
    );
    outcome = rows[0]!;
    if (outcome.stored || !outcome.stale || outcome.wave_status !== 'open') break;
    batchKeys.forget(ctx.waveId);
  }
  // A retry (same session, same Idempotency-Key) whose answer is already in: its acknowledgement
  // was lost (the database went away after the commit), so acknowledge it now.
  const { orgId, surveyId } = ctx;
  if (!outcome) throw new Error('unreachable');
  if (!outcome.stored && outcome.replay)
    return { release: Promise.resolve<ReleaseResult>({ released: 0, stillSealed: 0, unreadable: 0 }), orgId, surveyId };
  // The invitation does not exist (any more: the organization was deleted). Not a second submit:
  // nothing was spent, so nothing is counted as contested (issue 16 audit).
  if (outcome.revoked === null) throw sessionExpired();
  if (outcome.wave_status !== 'open') throw expiredToken();
  if (outcome.revoked) throw revokedToken();
  if (!outcome.stored && outcome.stale) throw new Error('the sealed box kept changing epochs during this submit');
  if (!outcome.stored) {
    // Someone sent answers with this invitation before: its owner, or whoever else held it. Counted
    // per wave, in memory until the scheduled write (contests.ts), so probing shows without the
    // database changing at the moment it happens; the sender is told it was used.
    countContest(ctx.orgId, ctx.waveId);
    throw alreadySubmitted();
  }
  // P1/P7: the first read of a fresh row sets its "committed" hint bit (after a checkpoint, with a
  // full-page image in the WAL). Read here, as part of the submit, that is one more write of this
  // answer; left to later, the first read would be the employee coming back to a spent link or
  // code — marking on disk exactly the rows whose owners returned, and when.
  await db.executeQuery(markerRead([ctx.orgId, ctx.waveId, marker]));
  // After the commit, in its own transaction: release a batch if enough are now waiting.
  // (The count above was taken before this answer's row: it is one more now.)
  return {
    release: releaseResponses(db, keys, orgId, ctx.waveId, {
      flush: false,
      batchSize: releaseBatchSize,
      // At most the due count: enough to tell whether a release is due.
      pending: outcome.pending + 1,
      minGroupSize: ctx.minGroupSize,
    }),
    orgId,
    surveyId,
  };
}
