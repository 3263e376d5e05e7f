import { sql, type Kysely } from 'kysely';
import { attributeOf } from '../roster/attributes.ts';
import type { Database, ReleasedAttributes } from '../db/schema.ts';
import type { ReportContext } from './context.ts';
import { tally, type CounterRow } from './metrics.ts';
import { plan, plannedWave, type PlannedWave } from './planner.ts';
import { protectOnThread } from './solver-pool.ts';
import { declaredPairs, NOT_REPORTED } from './tables.ts';

/**
 * A survey's waves as its readers may see them: the released counts, loaded from the database,
 * with what the planner (planner.ts) hides, cached until the data or the settings change.
 */
export type WaveTables = PlannedWave;

const cache = new Map<string, Promise<Map<string, WaveTables>>>();
const CACHE_ENTRIES = 64;

/**
 * The tables and patterns of every wave of the survey. Counters only ever grow (each release adds
 * to them), so a wave's status, counter rows and their sum identify its data; with an open wave's
 * invitation count and the settings they key a cache, and an unchanged survey costs one small query.
 */
export async function surveyTables(db: Kysely<Database>, ctx: ReportContext): Promise<Map<string, WaveTables>> {
  if (ctx.waves.length === 0) return new Map();
  const key = await cacheKey(db, ctx);
  let entry = cache.get(key);
  if (!entry) {
    entry = compute(db, ctx, ctx.waves);
    cache.set(key, entry);
    entry.catch(() => cache.delete(key));
    if (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
  }
  return entry;
}

/** Whether the survey's patterns for its current data are computed, or being computed: no report will wait to start them. */
export async function tablesCached(db: Kysely<Database>, ctx: ReportContext): Promise<boolean> {
  return ctx.waves.length === 0 || cache.has(await cacheKey(db, ctx));
}

async function cacheKey(db: Kysely<Database>, ctx: ReportContext): Promise<string> {
  const fingerprint = await sql<{ id: string; status: string; rows: number; sum: number; invited: number[] | null }>`
    select w.id, w.status,
      (select count(*) from answer_counts a where a.org_id = w.org_id and a.wave_id = w.id) as rows,
      (select coalesce(sum(a.n), 0) from answer_counts a where a.org_id = w.org_id and a.wave_id = w.id) as sum,
      -- A closed wave's invitations never change (code pools need an open wave), and counting
      -- 100,000 of them costs more than the rest of a cached report.
      -- A revocation changes no count of rows, only of the revoked: both are the key.
      case when w.status = 'open' then (select array[count(*), count(*) filter (where i.revoked)] from invitations i where i.org_id = w.org_id and i.wave_id = w.id) end as invited
    from waves w where w.org_id = ${ctx.orgId} and w.id = any(${ctx.waves.map((w) => w.id)}::uuid[]) order by w.id`.execute(
    db,
  );
  return JSON.stringify([
    ctx.surveyId,
    ctx.k,
    ctx.earlierK,
    ctx.commentK,
    ctx.orgCommentK,
    ctx.reportable,
    declaredPairs(ctx),
    fingerprint.rows,
  ]);
}

/** Issue 13: tokens HR could answer with itself — pool codes, and HR-held links of roster additions. */
const suspectCount = sql<number>`count(*) filter (where held_by_hr and (participant_id is null or roster_addition))`;
/** Invitations revoked since they were issued (leavers, sync imports): nobody can answer them. */
const revokedCount = sql<number>`count(*) filter (where revoked)`;

async function compute(
  db: Kysely<Database>,
  ctx: ReportContext,
  list: ReportContext['waves'],
): Promise<Map<string, WaveTables>> {
  const dims = ctx.reportable;
  const waveIds = list.map((w) => w.id);
  const rows: CounterRow[] = await db
    .selectFrom('answer_counts')
    .select(['wave_id', 'combo', 'question_id', 'value', 'n'])
    .where('org_id', '=', ctx.orgId)
    .where('wave_id', 'in', waveIds)
    .execute();
  const rawKey = dims.length
    ? sql<string>`jsonb_build_array(${sql.join(dims.map((d) => sql`coalesce(attributes ->> ${d}, ${NOT_REPORTED})`))})::text`
    : sql<string>`'[]'`;
  const invitations = await db
    .selectFrom('invitations')
    .select([
      'wave_id',
      rawKey.as('key'),
      (eb) => eb.fn.countAll<number>().as('n'),
      suspectCount.as('suspect'),
      revokedCount.as('revoked'),
    ])
    .where('org_id', '=', ctx.orgId)
    .where('wave_id', 'in', waveIds)
    .groupBy(['wave_id', 'key'])
    .execute();

  const waves = new Map<string, WaveTables>();
  for (const { id: waveId, status } of list) {
    const byAtom = tally(
      rows.filter((r) => r.wave_id === waveId),
      (combo) => JSON.stringify(dims.map((d) => valueOf(combo, d))),
    );
    const atoms = [...byAtom.keys()]
      .sort()
      .map((key) => ({ values: JSON.parse(key) as string[], counts: byAtom.get(key)! }));
    const invited = invitations
      .filter((i) => i.wave_id === waveId)
      .map((i) => ({ values: JSON.parse(i.key) as string[], n: i.n, suspect: i.suspect, revoked: i.revoked }));
    waves.set(waveId, plannedWave(ctx, { waveId, status, atoms, invited }));
  }
  await plan(ctx, [...waves.values()], protectOnThread);
  return waves;
}

const valueOf = (combo: ReleasedAttributes, dimension: string) => attributeOf(combo, dimension) ?? NOT_REPORTED;
