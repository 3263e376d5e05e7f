import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Attributes, Database } from '../db/schema.ts';
import type { Keys } from '../crypto/tokens.ts';
import type { Localized } from '../surveys/questions.ts';
import { surveyReporting } from '../surveys/reporting.ts';
import { declaredPairs } from '../reports/tables.ts';
import { waveCaveats, type WaveCaveats } from '../reports/caveats.ts';
import { readSurveySession } from '../responses/survey-session.ts';

/** Audit actions that change who can be invited or who holds tokens (src/audit/plugin.ts). */
const ROSTER_IMPORT = 'POST /v1/roster/import';
const CODE_POOL = 'POST /v1/surveys/:id/code-pools';

/** One published table: a reportable dimension alone, or a declared pair. */
type TableDimensions = string[];

export interface SmallestGroup {
  /** Invitations (not revoked) of the wave in that group: a roster count HR already has. */
  invited: number;
  /** Of those, tokens HR could answer with itself: pool codes, HR-held links of roster additions. */
  heldByHr: number;
  /** The table it belongs to, by dimension key; never the value (the page shows nothing per person). */
  table: TableDimensions;
}

export interface RosterChange {
  /** 'YYYY-MM-DD' (UTC): days only, as everywhere (SPEC P1). */
  day: string;
  kind: 'roster-import' | 'code-pool';
  /** How many imports or pools that day. */
  events: number;
  /** Rows sent in those imports, or codes in those pools. */
  count: number;
}

export interface WaveProtection {
  title: Localized;
  defaultLanguage: string;
  wave: { number: number; status: 'open' | 'closed'; openedOn: string; closedOn: string | null };
  /** The day the survey's first wave opened: its reporting configuration was fixed then (P3). */
  surveyOpenedOn: string;
  k: number;
  /** Each k the survey had before a raise (k only rises). */
  earlierK: number[];
  commentK: number;
  dimensions: Array<{ key: string; label: string }>;
  pairs: Array<[string, string]>;
  /** 'reader': the reader's own smallest group (a survey session); 'wave': the smallest of every group. */
  smallestGroupOf: 'reader' | 'wave';
  smallestGroup: SmallestGroup;
  changes: RosterChange[];
  caveats: WaveCaveats;
}

const SURVEY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Where a survey's protection page is: the organization's slug and the survey id, no token (P5). */
export function protectionPath(orgSlug: string, surveyId: string): string {
  return `/protection/${orgSlug}/${surveyId}`;
}

/**
 * SPEC P10: the protection of one survey's wave as it stands. Public to whoever has the address
 * (it describes the survey, nobody in it); a survey session, when the reader has one for this
 * survey, only chooses which smallest group is shown. Every query is the same whoever reads: the
 * reader's own group is picked from the wave's counts in memory, so a read says nothing at rest
 * about who read (P1). Null when the organization, the survey or a wave of it does not exist.
 */
export async function waveProtection(
  db: Kysely<Database>,
  keys: Keys,
  organization: string,
  surveyId: string,
  sessionToken: string | undefined,
): Promise<WaveProtection | null> {
  if (!SURVEY_ID.test(surveyId)) return null;
  const survey = await db
    .selectFrom('surveys')
    .innerJoin('organizations', 'organizations.id', 'surveys.org_id')
    .select([
      'surveys.org_id as orgId',
      'surveys.definition',
      'surveys.min_group_size',
      'surveys.earlier_group_sizes',
      sql<string | null>`to_char(surveys.first_opened_at at time zone 'UTC', 'YYYY-MM-DD')`.as('openedOn'),
      'surveys.first_opened_at',
    ])
    .where('organizations.slug', '=', organization)
    .where('surveys.id', '=', surveyId)
    .executeTakeFirst();
  if (!survey || !survey.first_opened_at || !survey.openedOn) return null;
  const { orgId } = survey;
  const waves = await db
    .selectFrom('waves')
    .select(['id', 'number', 'status', 'opened_on', 'closed_on'])
    .where('org_id', '=', orgId)
    .where('survey_id', '=', surveyId)
    .orderBy('number', 'desc')
    .execute();
  if (!waves.length) return null;

  const reader = await readerInvitation(db, keys, orgId, sessionToken);
  const wave = waves.find((w) => w.id === reader?.waveId) ?? waves[0]!;
  const readerAttributes = reader?.waveId === wave.id ? reader.attributes : undefined;

  const reporting = await surveyReporting(db, orgId, surveyId);
  const k = survey.min_group_size;
  const pairs = declaredPairs({ reportable: reporting.dimensions, pairs: reporting.pairs });
  const labels = new Map(
    reporting.dimensions.length
      ? (
          await db
            .selectFrom('attribute_dimensions')
            .select(['key', 'label'])
            .where('org_id', '=', orgId)
            .where('key', 'in', reporting.dimensions)
            .execute()
        ).map((d) => [d.key, d.label])
      : [],
  );

  return {
    title: survey.definition.title,
    defaultLanguage: survey.definition.defaultLanguage,
    wave: { number: wave.number, status: wave.status, openedOn: wave.opened_on, closedOn: wave.closed_on },
    surveyOpenedOn: survey.openedOn,
    k,
    earlierK: survey.earlier_group_sizes,
    commentK: Math.max(k, reporting.commentMinGroupSize ?? 0),
    dimensions: reporting.dimensions.map((key) => ({ key, label: labels.get(key) ?? key })),
    pairs,
    smallestGroupOf: readerAttributes ? 'reader' : 'wave',
    smallestGroup: smallestGroup(
      await invitedCombinations(db, orgId, wave.id),
      [...reporting.dimensions.map((d) => [d]), ...pairs],
      readerAttributes,
    ),
    changes: await rosterChanges(db, orgId, surveyId, survey.first_opened_at),
    // The reports' own caveats, so the page shows exactly what HR's overview shows (no more).
    caveats: await waveCaveats(db, orgId, { id: wave.id, status: wave.status }, k, keys),
  };
}

/** The invitation behind the reader's survey session, if any; an expired or foreign one is none. */
async function readerInvitation(db: Kysely<Database>, keys: Keys, orgId: string, sessionToken: string | undefined) {
  const session = sessionToken ? readSurveySession(keys, sessionToken) : null;
  if (!session || session.orgId !== orgId) return undefined;
  const row = await db
    .selectFrom('invitations')
    .select(['wave_id', 'attributes'])
    .where('org_id', '=', orgId)
    .where('id', '=', session.invitationId)
    .executeTakeFirst();
  return row && { waveId: row.wave_id, attributes: row.attributes };
}

interface InvitedCombination {
  attributes: Attributes;
  n: number;
  heldByHr: number;
}

async function invitedCombinations(db: Kysely<Database>, orgId: string, waveId: string) {
  return (await db
    .selectFrom('invitations')
    .select((eb) => [
      'attributes',
      eb.fn.countAll<number>().as('n'),
      // The suspect tokens of the stuffing rule (src/reports/stuffing.ts).
      eb.fn
        .countAll<number>()
        .filterWhere((f) =>
          f.or([f('participant_id', 'is', null), f.and([f('held_by_hr', '=', true), f('roster_addition', '=', true)])]),
        )
        .as('heldByHr'),
    ])
    .where('org_id', '=', orgId)
    .where('wave_id', '=', waveId)
    .where('revoked', '=', false)
    .groupBy('attributes')
    .execute()) as InvitedCombination[];
}

/**
 * The smallest group of any published table: the reader's own cell of each table when their
 * attributes are known, otherwise every cell of every table. Raw snapshotted values: the mixer may
 * merge a rare value into "other", so a published group is this size or larger. With no reportable
 * dimension only the total is published, and it is the group.
 */
export function smallestGroup(
  combos: InvitedCombination[],
  tables: TableDimensions[],
  reader: Attributes | undefined,
): SmallestGroup {
  const cellKey = (attributes: Attributes, table: TableDimensions) =>
    JSON.stringify(table.map((d) => attributes[d] ?? null));
  let smallest: SmallestGroup = {
    invited: combos.reduce((s, c) => s + c.n, 0),
    heldByHr: combos.reduce((s, c) => s + c.heldByHr, 0),
    table: [],
  };
  let first = true;
  for (const table of tables) {
    const cells = new Map<string, { invited: number; heldByHr: number }>();
    for (const combo of combos) {
      const key = cellKey(combo.attributes, table);
      if (reader && key !== cellKey(reader, table)) continue;
      const cell = cells.get(key) ?? { invited: 0, heldByHr: 0 };
      cell.invited += combo.n;
      cell.heldByHr += combo.heldByHr;
      cells.set(key, cell);
    }
    for (const cell of cells.values()) {
      if (first || cell.invited < smallest.invited) smallest = { ...cell, table };
      first = false;
    }
  }
  return smallest;
}

/**
 * Roster imports (with their row counts) and this survey's code pools (with their code counts)
 * since it first opened, from the audit log, by day: what HR did that could put tokens it holds
 * into someone's group (issue 13). Counts and days only; the log keeps no roster values.
 */
async function rosterChanges(
  db: Kysely<Database>,
  orgId: string,
  surveyId: string,
  since: Date,
): Promise<RosterChange[]> {
  const rows = await db
    .selectFrom('audit_log')
    .select([
      sql<string>`to_char(at at time zone 'UTC', 'YYYY-MM-DD')`.as('day'),
      'action',
      sql<number>`count(*)::int`.as('events'),
      sql<number>`coalesce(sum(case when action = ${ROSTER_IMPORT} then (details->>'rows')::int else (details->>'count')::int end), 0)::int`.as(
        'count',
      ),
    ])
    .where('org_id', '=', orgId)
    .where('at', '>=', since)
    .where((eb) =>
      eb.or([eb('action', '=', ROSTER_IMPORT), eb.and([eb('action', '=', CODE_POOL), eb('target', '=', surveyId)])]),
    )
    .groupBy(['day', 'action'])
    .orderBy('day')
    .orderBy('action')
    .execute();
  return rows.map((r) => ({
    day: r.day,
    kind: r.action === ROSTER_IMPORT ? 'roster-import' : 'code-pool',
    events: r.events,
    count: r.count,
  }));
}
