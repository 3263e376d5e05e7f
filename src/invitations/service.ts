import { attributeOf } from '../roster/attributes.ts';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Attributes, Database } from '../db/schema.ts';
import { keyedHash, newTokens, type Keys } from '../crypto/tokens.ts';
import { MAX_INVITATIONS_PER_WAVE, newNicknameCode } from './codes.ts';
import { Conflict } from '../errors.ts';
import { ascendingIds } from '../db/ascending-ids.ts';

export const INVITATION_TOKEN_PREFIX = 'qi';

export interface Invitee {
  participantId: string | null;
  attributes: Attributes;
  /** The plaintext goes to HR (a pool code, a link in HR's distribution): counted against stuffing. */
  heldByHr: boolean;
  /** The participant joined the roster after the survey first opened. */
  rosterAddition?: boolean;
}

export interface IssuedInvitation {
  token: string;
  code: string;
}

const BATCH = 5_000;

/**
 * One batch as seven parameters, not seven arrays of 5,000: the driver escapes every element of an
 * array parameter one by one (for hashes, as hex), which cost more than the rows' own hashing.
 */
interface PreparedBatch {
  issued: IssuedInvitation[];
  /** Comma-separated. */
  ids: string;
  /** Comma-separated; an empty field for a pool code's. */
  participants: string;
  /** 32 bytes each, end to end. */
  tokenHashes: Buffer;
  codeHashes: Buffer;
  /** A JSON array of the attribute snapshots. */
  attributes: string;
  held: boolean[];
  additions: boolean[];
}

function prepare(keys: Keys, invitees: Invitee[], nextId: () => string): PreparedBatch {
  const tokens = newTokens(INVITATION_TOKEN_PREFIX, invitees.length);
  const issued = tokens.map((token) => ({ token, code: newNicknameCode() }));
  return {
    issued,
    ids: invitees.map(nextId).join(','),
    participants: invitees.map((i) => i.participantId ?? '').join(','),
    tokenHashes: Buffer.concat(issued.map((i) => keyedHash(keys['invitation-token'], i.token))),
    codeHashes: Buffer.concat(issued.map((i) => keyedHash(keys['invitation-code'], i.code))),
    attributes: `[${invitees.map((i) => JSON.stringify(i.attributes)).join(',')}]`,
    held: invitees.map((i) => i.heldByHr),
    additions: invitees.map((i) => i.rosterAddition ?? false),
  };
}

// PostgreSQL's uuid order is the order of the lower-case hex text.
const byParticipant = (a: string | null, b: string | null) =>
  a === b ? 0 : a === null ? 1 : b === null ? -1 : a < b ? -1 : 1;

/**
 * Creates one invitation per invitee: a link token (256 bits) and a nickname code, stored only as
 * keyed hashes. The plaintexts are returned to the caller, once, and exist nowhere else.
 * Each batch is prepared while the previous one is being inserted.
 */
export async function issueInvitations(
  trx: Transaction<Database>,
  keys: Keys,
  orgId: string,
  waveId: string,
  invitees: Invitee[],
): Promise<IssuedInvitation[]> {
  if (invitees.length === 0) return [];
  // P5: the guessing arithmetic (docs/codes.md) holds for waves of at most this many codes.
  const held = await trx
    .selectFrom('invitations')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('org_id', '=', orgId)
    .where('wave_id', '=', waveId)
    .executeTakeFirstOrThrow();
  if (Number(held.n) + invitees.length > MAX_INVITATIONS_PER_WAVE)
    throw new Conflict(
      'wave-too-large',
      `A wave holds at most ${MAX_INVITATIONS_PER_WAVE} invitations (codes stay unguessable only up to that); ` +
        `this would make ${Number(held.n) + invitees.length}. Narrow the audience or split it into surveys.`,
    );
  // In participant-id order, so the participant index also grows in order (pool codes last).
  const order = invitees.map((_, i) => i);
  order.sort((a, b) => byParticipant(invitees[a]!.participantId, invitees[b]!.participantId));
  const nextId = ascendingIds();
  const issued: IssuedInvitation[] = new Array(invitees.length);
  let inserting: Promise<unknown> = Promise.resolve();
  for (let start = 0; start < order.length; start += BATCH) {
    const slice = order.slice(start, start + BATCH);
    const b = prepare(
      keys,
      slice.map((i) => invitees[i]!),
      nextId,
    );
    await inserting;
    slice.forEach((i, j) => (issued[i] = b.issued[j]!));
    inserting = sql`
      insert into invitations (org_id, id, wave_id, participant_id, token_hash, code_hash, attributes, held_by_hr, roster_addition)
      select ${orgId}, i.id::uuid, ${waveId}, nullif(i.participant_id, '')::uuid,
        substring(${b.tokenHashes}::bytea from i.n::int * 32 - 31 for 32),
        substring(${b.codeHashes}::bytea from i.n::int * 32 - 31 for 32),
        i.attributes, i.held, i.addition
      from rows from (
        unnest(string_to_array(${b.ids}, ',')), unnest(string_to_array(${b.participants}, ',')),
        jsonb_array_elements(${b.attributes}::jsonb), unnest(${b.held}::boolean[]), unnest(${b.additions}::boolean[])
      ) with ordinality as i(id, participant_id, attributes, held, addition, n)
    `.execute(trx);
  }
  await inserting;
  return issued;
}

/** The reportable part of a participant's attributes, as snapshotted on the invitation (SPEC P1). */
export function snapshotAttributes(attributes: Attributes, reportable: string[]): Attributes {
  // fromEntries defines own properties, so even a key named __proto__ is kept as data.
  return Object.fromEntries(
    reportable.flatMap((key) => {
      const value = attributeOf(attributes, key);
      return value === undefined ? [] : [[key, value]];
    }),
  );
}

/** What a printed sheet of pool codes needs besides the codes: the kiosk's organization and the survey's languages. */
export async function codeSheetContext(db: Kysely<Database>, orgId: string, surveyId: string) {
  const row = await db
    .selectFrom('surveys')
    .innerJoin('organizations', 'organizations.id', 'surveys.org_id')
    .select(['organizations.slug as slug', 'surveys.definition as definition', 'surveys.min_group_size as k'])
    .where('surveys.org_id', '=', orgId)
    .where('surveys.id', '=', surveyId)
    .executeTakeFirstOrThrow();
  const { languages, defaultLanguage, title } = row.definition;
  return {
    slug: row.slug,
    minGroupSize: row.k,
    title: title[defaultLanguage] ?? 'Quorum survey codes',
    languages: [defaultLanguage, ...languages.filter((l) => l !== defaultLanguage)],
  };
}
