import { attributeOf } from '../roster/attributes.ts';
import { sql, type Kysely } from 'kysely';
import { Piscina } from 'piscina';
import type { Database, ReleasedAttributes } from '../db/schema.ts';
import { OTHER } from '../anonymity/generalise.ts';
import type { Atom, SolverOptions, Table } from './disclosure.ts';
import { ServiceUnavailable } from '../errors.ts';
import { tally, type CounterRow, type GroupCounts } from './metrics.ts';
import type { ReportContext } from './service.ts';

/** The label of respondents whose value of a dimension was generalised away by the mixer. */
export const NOT_REPORTED = '(not reported)';

/**
 * Every table a survey's readers can see, for every wave, and what each must hide.
 *
 * The atoms are the released attribute combinations (over the reportable dimensions); the
 * published tables are the wave total, one breakdown per reportable dimension and one per
 * declared pair. Scoped readers see cells of these same tables and nothing else, so one
 * suppression pattern, computed jointly over all of them (disclosure.ts), serves every endpoint
 * and every reader: no two outputs can be combined into something the pattern did not consider.
 */
export interface WaveTables {
  waveId: string;
  atoms: Array<{ values: string[]; counts: GroupCounts }>;
  /** Invitations per raw combination of the reportable dimensions (roster knowledge). */
  invited: Array<{ values: string[]; n: number }>;
  totalInvited: number;
  tables: Table[];
  hidden: {
    respondents: Set<string>;
    /** Per question: cells whose count of answerers is hidden (respondents' hidden cells included). */
    questions: Map<string, Set<string>>;
    /** Per text question: cells whose comment list may not be read (the comment threshold). */
    comments: Map<string, Set<string>>;
  };
}

export const TOTAL = 'total';
export const oneCell = (dimension: string, value: string) => JSON.stringify([dimension, value]);
export const pairCell = (a: string, va: string, b: string, vb: string) => JSON.stringify([a, va, b, vb]);

/** The declared pairs over reportable dimensions, each once, in reportable order. */
export function declaredPairs(ctx: Pick<ReportContext, 'reportable' | 'pairs'>): Array<[string, string]> {
  const position = (d: string) => ctx.reportable.indexOf(d);
  const pairs = new Map<string, [string, string]>();
  for (const [x, y] of ctx.pairs) {
    if (x === y || position(x) < 0 || position(y) < 0) continue;
    const pair: [string, string] = position(x) < position(y) ? [x, y] : [y, x];
    pairs.set(JSON.stringify(pair), pair);
  }
  return [...pairs.values()];
}

export function pairDeclared(
  ctx: Pick<ReportContext, 'reportable' | 'pairs'>,
  a: string,
  b: string,
): [string, string] | undefined {
  return declaredPairs(ctx).find(([x, y]) => (x === a && y === b) || (x === b && y === a));
}

const cache = new Map<string, Promise<Map<string, WaveTables>>>();
const CACHE_ENTRIES = 64;

/**
 * The tables and patterns of every wave of the survey. Counters only ever grow (each release adds
 * to them), so a wave's counter rows and their sum identify its data; with the invitation count
 * and the settings they key a cache, and an unchanged survey costs one small query.
 */
export async function surveyTables(db: Kysely<Database>, ctx: ReportContext): Promise<Map<string, WaveTables>> {
  if (ctx.waves.length === 0) return new Map();
  const key = await cacheKey(db, ctx);
  let entry = cache.get(key);
  if (!entry) {
    entry = compute(
      db,
      ctx,
      ctx.waves.map((w) => w.id),
    );
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
  const fingerprint = await sql<{ id: string; rows: number; sum: number; invited: number }>`
    select w.id,
      (select count(*) from answer_counts a where a.org_id = w.org_id and a.wave_id = w.id) as rows,
      (select coalesce(sum(a.n), 0) from answer_counts a where a.org_id = w.org_id and a.wave_id = w.id) as sum,
      (select count(*) from invitations i where i.org_id = w.org_id and i.wave_id = w.id) as invited
    from waves w where w.org_id = ${ctx.orgId} and w.id = any(${ctx.waves.map((w) => w.id)}::uuid[]) order by w.id`.execute(
    db,
  );
  return JSON.stringify([
    ctx.surveyId,
    ctx.k,
    ctx.earlierK,
    ctx.commentK,
    ctx.reportable,
    declaredPairs(ctx),
    fingerprint.rows,
  ]);
}

async function compute(db: Kysely<Database>, ctx: ReportContext, waveIds: string[]): Promise<Map<string, WaveTables>> {
  const dims = ctx.reportable;
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
    .select(['wave_id', rawKey.as('key'), (eb) => eb.fn.countAll<number>().as('n')])
    .where('org_id', '=', ctx.orgId)
    .where('wave_id', 'in', waveIds)
    .groupBy(['wave_id', 'key'])
    .execute();

  const waves = new Map<string, WaveTables>();
  for (const waveId of waveIds) {
    const byAtom = tally(
      rows.filter((r) => r.wave_id === waveId),
      (combo) => JSON.stringify(dims.map((d) => valueOf(combo, d))),
    );
    const atoms = [...byAtom.keys()]
      .sort()
      .map((key) => ({ values: JSON.parse(key) as string[], counts: byAtom.get(key)! }));
    const invited = invitations
      .filter((i) => i.wave_id === waveId)
      .map((i) => ({ values: JSON.parse(i.key) as string[], n: i.n }));
    const totalInvited = invited.reduce((s, i) => s + i.n, 0);
    waves.set(waveId, {
      waveId,
      atoms,
      invited,
      totalInvited,
      tables: tablesOf(ctx, atoms),
      hidden: { respondents: new Set(), questions: new Map(), comments: new Map() },
    });
  }

  const list = [...waves.values()];
  // Each k the survey was reported under, smallest first: a raised k starts from what the
  // smaller one hid, so it can only hide more (patterns at two k need not nest on their own).
  const levels = [...new Set([...ctx.earlierK, ctx.k])].sort((a, b) => a - b);
  let before = new Map<WaveTables, WaveTables['hidden']>();
  for (const k of levels) {
    const commentK = Math.max(k, ctx.orgCommentK);
    const earlier = (w: WaveTables, of: (h: WaveTables['hidden']) => Set<string> | undefined) => [
      ...(before.has(w) ? (of(before.get(w)!) ?? []) : []),
    ];
    // Respondents first: their hidden cells are forced on every question of the same wave.
    await stabilise(
      list,
      respondentAtoms,
      k,
      (w) => earlier(w, (h) => h.respondents),
      (w, hidden) => (w.hidden.respondents = hidden),
    );
    for (const q of ctx.definition.questions) {
      const answered = (w: WaveTables) =>
        w.atoms.map((a) => ({ n: a.counts.questions.get(q.id)?.answered ?? 0, upper: a.counts.respondents }));
      await stabilise(
        list,
        answered,
        k,
        (w) => [...w.hidden.respondents, ...earlier(w, (h) => h.questions.get(q.id))],
        (w, hidden) => w.hidden.questions.set(q.id, hidden),
      );
      if (q.type !== 'text') continue;
      await stabilise(
        list,
        answered,
        commentK,
        (w) => [...w.hidden.questions.get(q.id)!, ...earlier(w, (h) => h.comments.get(q.id))],
        (w, hidden) => w.hidden.comments.set(q.id, hidden),
      );
    }
    before = new Map(
      list.map((w) => [
        w,
        {
          respondents: w.hidden.respondents,
          questions: new Map(w.hidden.questions),
          comments: new Map(w.hidden.comments),
        },
      ]),
    );
  }
  return waves;
}

const valueOf = (combo: ReleasedAttributes, dimension: string) => attributeOf(combo, dimension) ?? NOT_REPORTED;

function tablesOf(ctx: ReportContext, atoms: WaveTables['atoms']): Table[] {
  const all = atoms.map((_, i) => i);
  // Cells (and the total) exist only where something was released: no atoms, nothing published.
  const tables: Table[] = all.length ? [{ id: TOTAL, cells: [{ id: TOTAL, atoms: all }] }] : [];
  const partition = (id: string, cellOf: (values: string[]) => string) => {
    const cells = new Map<string, number[]>();
    atoms.forEach((a, i) => {
      const cell = cellOf(a.values);
      cells.set(cell, [...(cells.get(cell) ?? []), i]);
    });
    tables.push({ id, cells: [...cells].map(([cell, members]) => ({ id: cell, atoms: members })) });
  };
  ctx.reportable.forEach((d, i) => partition(JSON.stringify([d]), (values) => oneCell(d, values[i]!)));
  for (const [a, b] of declaredPairs(ctx)) {
    const [i, j] = [ctx.reportable.indexOf(a), ctx.reportable.indexOf(b)];
    partition(JSON.stringify([a, b]), (values) => pairCell(a, values[i]!, b, values[j]!));
  }
  return tables;
}

/**
 * Respondents of each atom; the attacker's maximum is what the roster allows: the invitations of
 * every raw combination the atom may stand for ("other" and "(not reported)" stand for any value).
 */
function respondentAtoms(w: WaveTables): Atom[] {
  return w.atoms.map((a) => {
    const upper = w.invited
      .filter((r) => a.values.every((v, i) => v === OTHER || v === NOT_REPORTED || v === r.values[i]))
      .reduce((s, r) => s + r.n, 0);
    return { n: a.counts.respondents, upper: Math.max(upper, a.counts.respondents) };
  });
}

let pool: Piscina | undefined;

/**
 * Limits on the solver: HiGHS options for every solve, and the longest one protection may take on
 * its thread before the thread is stopped. Tests set them (e.g. a time limit of 0) to make the
 * solver stop early; whatever stops it, the report answers 503 and publishes nothing (SPEC P9).
 */
export const solverLimits: { options: SolverOptions; timeoutMs: number } = { options: {}, timeoutMs: 60_000 };

/** The disclosure engine could not prove a pattern: no report until it can. */
export class DisclosureUnavailable extends ServiceUnavailable {
  constructor(cause: unknown) {
    super(
      'disclosure-unavailable',
      'The report could not be checked for small groups just now; please retry shortly.',
      5,
    );
    this.cause = cause;
  }
}

/**
 * The solver runs synchronously for up to a few hundred milliseconds per model, so it runs on one
 * worker thread: the event loop keeps serving employees' answers meanwhile. Tables with nothing
 * under k and nothing forced need no solver and no thread.
 */
async function protectAway(atoms: Atom[], tables: Table[], k: number, forced: Iterable<string>): Promise<Set<string>> {
  const forcedIds = [...forced];
  const small = tables.some((t) =>
    t.cells.some((c) => c.atoms.length > 0 && c.atoms.reduce((s, a) => s + atoms[a]!.n, 0) < k),
  );
  if (!small && forcedIds.length === 0) return new Set();
  pool ??= new Piscina({
    filename: new URL('./disclosure-worker.ts', import.meta.url).href,
    minThreads: 0,
    maxThreads: 1,
    idleTimeout: 30_000,
  });
  const running = pool;
  try {
    // Aborting a running task stops its thread: a solve past the limit cannot hold the pool.
    const task = { atoms, tables, k, forced: forcedIds, options: solverLimits.options };
    return new Set<string>(await running.run(task, { signal: AbortSignal.timeout(solverLimits.timeoutMs) }));
  } catch (error) {
    // A solver that stopped short (Unproven), threw, ran out of memory or time, or a thread that
    // died: no pattern was proven, so none is used (and none cached: surveyTables drops it).
    throw new DisclosureUnavailable(error);
  }
}

/** Stops the solver's thread (the app's onClose). */
export async function closeSolver(): Promise<void> {
  const running = pool;
  pool = undefined;
  await running?.destroy();
}

/**
 * Protects one family in every wave, then keeps the pattern stable across waves (issue 4: earlier
 * waves must not help reconstruct a later one): a cell hidden in any wave is hidden in all, and
 * the waves are protected again with that forced until nothing changes.
 */
async function stabilise(
  waves: WaveTables[],
  atomsOf: (w: WaveTables) => Atom[],
  k: number,
  forcedOf: (w: WaveTables) => Iterable<string>,
  set: (w: WaveTables, hidden: Set<string>) => void,
): Promise<void> {
  const hidden = new Map<WaveTables, Set<string>>();
  for (const w of waves) hidden.set(w, await protectAway(atomsOf(w), w.tables, k, forcedOf(w)));
  for (;;) {
    const union = new Set([...hidden.values()].flatMap((h) => [...h]));
    let changed = false;
    for (const w of waves) {
      const ids = new Set(w.tables.flatMap((t) => t.cells.map((c) => c.id)));
      const missing = [...union].filter((id) => ids.has(id) && !hidden.get(w)!.has(id));
      if (missing.length === 0) continue;
      hidden.set(w, await protectAway(atomsOf(w), w.tables, k, [...forcedOf(w), ...hidden.get(w)!, ...missing]));
      changed = true;
    }
    if (!changed) break;
  }
  for (const w of waves) set(w, hidden.get(w)!);
}
