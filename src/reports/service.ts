import { sql, type Kysely } from 'kysely';
import type { Database, Scope } from '../db/schema.ts';
import { Conflict, NotFound, ValidationFailed } from '../errors.ts';
import type { Principal } from '../auth/principal.ts';
import { OTHER, shuffle } from '../anonymity/generalise.ts';
import { engagementIndex, mergeCounts, questionStats, themeCounts, type QuestionStats } from './metrics.ts';
import { surveyTables, tablesCached, type WaveTables } from './patterns.ts';
import { NOT_REPORTED, oneCell, pairDeclared, TOTAL } from './tables.ts';
import type { ReportContext } from './context.ts';
import { surveyReporting } from '../surveys/reporting.ts';

const ALL = '(all)';

export async function loadContext(
  db: Kysely<Database>,
  principal: Principal,
  surveyId: string,
): Promise<ReportContext> {
  return contextFor(db, principal.orgId, surveyId, principal.kind === 'session' ? principal.scope : null);
}

async function contextFor(
  db: Kysely<Database>,
  orgId: string,
  surveyId: string,
  scope: Scope | null,
): Promise<ReportContext> {
  const survey = await db
    .selectFrom('surveys')
    .select(['definition', 'min_group_size', 'earlier_group_sizes'])
    .where('org_id', '=', orgId)
    .where('id', '=', surveyId)
    .executeTakeFirst();
  if (!survey) throw new NotFound('Survey');
  // P3: the configuration fixed when the survey opened, never the organization's current one.
  const reporting = await surveyReporting(db, orgId, surveyId);
  const waves = await db
    .selectFrom('waves')
    .select(['id', 'number', 'status', 'opened_on', 'closed_on'])
    .where('org_id', '=', orgId)
    .where('survey_id', '=', surveyId)
    .orderBy('number')
    .execute();
  return {
    orgId,
    surveyId,
    definition: survey.definition,
    k: survey.min_group_size,
    earlierK: survey.earlier_group_sizes,
    commentK: Math.max(survey.min_group_size, reporting.commentMinGroupSize ?? 0),
    orgCommentK: reporting.commentMinGroupSize ?? 0,
    reportable: reporting.dimensions,
    pairs: reporting.pairs,
    waves,
    scope,
  };
}

/** Computes and caches a survey's suppression patterns ahead of its readers (warmer.ts). */
export async function warmReports(db: Kysely<Database>, orgId: string, surveyId: string): Promise<void> {
  await surveyTables(db, await contextFor(db, orgId, surveyId, null));
}

/** Whether the next report of the survey reads cached patterns (tests of the warmer). */
export async function reportsWarm(db: Kysely<Database>, orgId: string, surveyId: string): Promise<boolean> {
  return tablesCached(db, await contextFor(db, orgId, surveyId, null));
}

export function pickWave(ctx: ReportContext, number: number | undefined) {
  const wave = number === undefined ? ctx.waves.at(-1) : ctx.waves.find((w) => w.number === number);
  if (!wave) throw new NotFound(number === undefined ? 'A wave of this survey' : `Wave ${number}`);
  return wave;
}

/**
 * An open wave publishes its total only (planner.ts): groups, pairs, heatmaps and comments come
 * when it closes, so no two readings tell a few new answers apart (SPEC P3).
 */
export function assertClosed(ctx: ReportContext, wave: ReportContext['waves'][number]): void {
  if (wave.status === 'closed') return;
  const last = ctx.waves.filter((w) => w.status === 'closed').at(-1);
  throw new Conflict(
    'wave-open',
    `Wave ${wave.number} is still open: only its number of respondents is published until it closes, so that no reading tells a few new answers apart.${last ? ` Wave ${last.number} is closed and can be read.` : ''}`,
  );
}

export function assertReportable(ctx: ReportContext, dimension: string, field: string): void {
  if (!ctx.reportable.includes(dimension))
    throw new ValidationFailed([{ field, message: 'is not a reportable dimension of this organization' }]);
}

/** One published group (a row of a breakdown): its numbers, or a bare marker when suppressed. */
export interface GroupReport {
  group: string;
  suppressed: boolean;
  respondents: number | null;
  invited: number | null;
  responseRate: number | null;
  engagementIndex: number | null;
  enps: QuestionStats['enps'];
  questions: Record<string, QuestionStats | { suppressed: true }>;
  themes: Record<string, { favourable: number; answers: number } | { suppressed: true }>;
}

/** A published cell of one of the wave's tables, as a group a reader sees. */
interface GroupCell {
  id: string;
  first?: string;
  second?: string;
  label: string;
  atoms: number[];
  invited: number | null;
}

/** One wave's tables; `loaded` spares a caller that walks every wave (trend) a lookup per wave. */
async function waveTables(
  db: Kysely<Database>,
  ctx: ReportContext,
  waveId: string,
  loaded?: Map<string, WaveTables>,
): Promise<WaveTables> {
  return (loaded ?? (await surveyTables(db, ctx))).get(waveId)!;
}

/** Each group's numbers, with what the wave's pattern hides replaced by markers (SPEC P2, P3). */
function groupReports(ctx: ReportContext, w: WaveTables, cells: GroupCell[]): GroupReport[] {
  const themeQuestions = new Map<string, string[]>();
  for (const q of ctx.definition.questions)
    if (q.type === 'likert5' && q.theme) themeQuestions.set(q.theme, [...(themeQuestions.get(q.theme) ?? []), q.id]);
  const shown = participationShown(ctx, w);
  return cells.map(({ id, label, atoms, invited: rosterInvited }) => {
    // P7: invited (and so the rate) only where the non-responders are a group of k (see below).
    const invited = shown.has(id) ? rosterInvited : null;
    if (w.hidden.respondents.has(id)) return emptyGroup(label);
    const g = mergeCounts(atoms.map((i) => w.atoms[i]!));
    const visible = (qid: string) => !w.hidden.questions.get(qid)!.has(id);
    const questions = Object.fromEntries(
      ctx.definition.questions.map((q) => [
        q.id,
        visible(q.id) ? questionStats(q, g.questions.get(q.id)) : ({ suppressed: true } as const),
      ]),
    );
    const enpsQuestion = ctx.definition.questions.find((q) => q.type === 'scale0_10');
    const enpsStats = enpsQuestion ? questions[enpsQuestion.id] : undefined;
    // A theme pools its questions' counts, so it is shown only where every one of them is: then
    // it adds no equation an attacker could use that the questions do not already give.
    const themes = Object.fromEntries(
      [...themeCounts(ctx.definition, g)].map(([theme, t]) => [
        theme,
        themeQuestions.get(theme)!.every(visible)
          ? { answers: t.answers, favourable: t.answers ? Math.round((t.favourable / t.answers) * 1000) / 1000 : 0 }
          : ({ suppressed: true } as const),
      ]),
    );
    const responseRate = invited !== null ? Math.round((g.respondents / invited) * 1000) / 1000 : null;
    return {
      group: label,
      suppressed: false,
      respondents: g.respondents,
      invited,
      responseRate,
      engagementIndex: engagementIndex(ctx.definition, g, visible),
      enps: enpsStats && 'n' in enpsStats ? enpsStats.enps : null,
      questions,
      themes,
    };
  });
}

function emptyGroup(group: string): GroupReport {
  return {
    group,
    suppressed: true,
    respondents: null,
    invited: null,
    responseRate: null,
    engagementIndex: null,
    enps: null,
    questions: {},
    themes: {},
  };
}

/**
 * The cells whose invited count (and response rate) may be published (SPEC P7, P3).
 *
 * Non-responders (invited − respondents) are a protected count like any other: a reader who sees
 * both numbers of a group learns how many of it did not answer, and "8 of 8" says that every one
 * of them did. So a cell shows invited only when its respondents are published and at least k of
 * its invited did not respond (0 non-responders withholds too). Within one dimension's breakdown
 * the total gives one more equation — total non-responders minus those of the groups shown are the
 * non-responders of the groups withheld (with `other` and `(not reported)`) — so while that
 * remainder is in [0, k−1] the shown group with the fewest non-responders is withheld as well.
 * Pairs and other dimensions never show invited; a scoped reader sees their segment's cell of the
 * same breakdown.
 */
function participationShown(ctx: ReportContext, w: WaveTables): Set<string> {
  const { k } = ctx;
  const nonResponders = (id: string, atoms: number[], invited: number | null): number | null => {
    if (invited === null || w.hidden.respondents.has(id)) return null;
    const nr = invited - mergeCounts(atoms.map((i) => w.atoms[i]!)).respondents;
    return invited >= k && nr >= k ? nr : null;
  };
  const shown = new Set<string>();
  const total = cellsOf(w, TOTAL)[0];
  const totalNr = total ? nonResponders(total.id, total.atoms, w.totalInvited) : null;
  if (total && totalNr !== null) shown.add(total.id);
  // One dimension only: two breakdowns with invited counts difference across each other (Seoul −
  // Support = Legal, where Legal and Support are all of Seoul), so only the first reportable
  // dimension, the most important one, carries them.
  for (const dimension of ctx.reportable.slice(0, 1)) {
    const cells = dimensionCells(ctx, w, dimension);
    const open = cells
      .map((c) => ({ id: c.id, nr: nonResponders(c.id, c.atoms, c.invited) }))
      .filter((c): c is { id: string; nr: number } => c.nr !== null)
      .sort((a, b) => a.nr - b.nr);
    if (open.length < cells.length && totalNr !== null) {
      // Some group is withheld and the total is published: keep the withheld remainder ≥ k.
      let remainder = totalNr - open.reduce((s, c) => s + c.nr, 0);
      while (remainder < k && open.length) remainder += open.shift()!.nr;
    }
    for (const c of open) shown.add(c.id);
  }
  return shown;
}

function cellsOf(w: WaveTables, tableId: string): Array<{ id: string; atoms: number[] }> {
  return w.tables.find((t) => t.id === tableId)?.cells ?? [];
}

/** The groups of one dimension's breakdown, sorted by value. */
function dimensionCells(ctx: ReportContext, w: WaveTables, dimension: string): GroupCell[] {
  const position = ctx.reportable.indexOf(dimension);
  return cellsOf(w, JSON.stringify([dimension]))
    .map((c) => {
      const value = w.atoms[c.atoms[0]!]!.values[position]!;
      // "other" and "(not reported)" mix values, so the roster gives no invited count for them.
      const invited =
        value === OTHER || value === NOT_REPORTED
          ? null
          : w.invited.filter((i) => i.values[position] === value).reduce((s, i) => s + i.n, 0);
      return { id: c.id, label: value, atoms: c.atoms, invited };
    })
    .sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
}

/** The groups of a declared pair, labelled "first × second" in the order asked. */
function pairCells(ctx: ReportContext, w: WaveTables, first: string, second: string): GroupCell[] {
  const [a, b] = pairDeclared(ctx, first, second)!;
  const [i, j] = [ctx.reportable.indexOf(first), ctx.reportable.indexOf(second)];
  return cellsOf(w, JSON.stringify([a, b]))
    .map((c) => {
      const values = w.atoms[c.atoms[0]!]!.values;
      return {
        id: c.id,
        label: `${values[i]} × ${values[j]}`,
        first: values[i]!,
        second: values[j]!,
        atoms: c.atoms,
        invited: null,
      };
    })
    .sort((x, y) =>
      x.first < y.first ? -1 : x.first > y.first ? 1 : x.second < y.second ? -1 : x.second > y.second ? 1 : 0,
    );
}

/** The wave as a whole, or for a scoped reader their segment only (its cell of the scope dimension's breakdown). */
export async function overview(
  db: Kysely<Database>,
  ctx: ReportContext,
  waveNumber: number | undefined,
  loaded?: Map<string, WaveTables>,
) {
  const wave = pickWave(ctx, waveNumber);
  const w = await waveTables(db, ctx, wave.id, loaded);
  if (ctx.scope) {
    const { dimension, value } = ctx.scope;
    const cell = dimensionCells(ctx, w, dimension).find((c) => c.label === value);
    return { wave, scope: ctx.scope, report: cell ? groupReports(ctx, w, [cell])[0]! : emptyGroup(value) };
  }
  const cells = cellsOf(w, TOTAL).map((c) => ({ id: c.id, label: ALL, atoms: c.atoms, invited: w.totalInvited }));
  return {
    wave,
    scope: null,
    report: cells.length ? groupReports(ctx, w, cells)[0]! : emptyGroup(ALL),
  };
}

export async function breakdown(
  db: Kysely<Database>,
  ctx: ReportContext,
  waveNumber: number | undefined,
  dimension: string,
  by: string | undefined,
  loaded?: Map<string, WaveTables>,
) {
  assertReportable(ctx, dimension, 'query.dimension');
  const wave = pickWave(ctx, waveNumber);
  if (by !== undefined) {
    assertReportable(ctx, by, 'query.by');
    assertPair(ctx, dimension, by, 'query.by');
  }
  assertClosed(ctx, wave);
  const w = await waveTables(db, ctx, wave.id, loaded);
  if (by !== undefined) {
    // A scoped reader sees the pair only along their own segment (a row or column of it).
    if (ctx.scope && ctx.scope.dimension !== dimension && ctx.scope.dimension !== by)
      throw new ValidationFailed([
        {
          field: 'query.by',
          message: `a reader limited to a ${ctx.scope.dimension} sees pairs with ${ctx.scope.dimension} only`,
        },
      ]);
    const cells = pairCells(ctx, w, dimension, by).filter(
      (c) => !ctx.scope || (ctx.scope.dimension === dimension ? c.first : c.second) === ctx.scope.value,
    );
    return { wave, dimension, by, groups: groupReports(ctx, w, cells) };
  }
  if (ctx.scope && dimension !== ctx.scope.dimension) {
    // A scoped reader's breakdown is their row of the (scope dimension × dimension) table, which
    // exists, and is protected with everything else, only where that pair was declared.
    assertPair(ctx, ctx.scope.dimension, dimension, 'query.dimension');
    const scope = ctx.scope;
    const groups = groupReports(
      ctx,
      w,
      pairCells(ctx, w, scope.dimension, dimension).filter((c) => c.first === scope.value),
    );
    return { wave, dimension, by: null, groups };
  }
  const cells = dimensionCells(ctx, w, dimension).filter((c) => !ctx.scope || c.label === ctx.scope.value);
  return { wave, dimension, by: null, groups: groupReports(ctx, w, cells) };
}

function assertPair(ctx: ReportContext, a: string, b: string, field: string): void {
  if (!pairDeclared(ctx, a, b))
    throw new ValidationFailed([{ field, message: `${a} × ${b} is not a pair the organization declared reportable` }]);
}

/** Rows of a breakdown against themes (pooled favourability) or questions (favourability, else mean). */
export async function heatmap(
  db: Kysely<Database>,
  ctx: ReportContext,
  waveNumber: number | undefined,
  dimension: string,
  columns: 'theme' | 'question',
) {
  const { wave, groups } = await breakdown(db, ctx, waveNumber, dimension, undefined);
  return { wave, dimension, ...heatmapOf(ctx, groups, columns) };
}

/** The heatmap's columns and cells over groups already reported (a breakdown, or a declared pair's). */
export function heatmapOf(ctx: ReportContext, groups: GroupReport[], columns: 'theme' | 'question') {
  const names =
    columns === 'theme'
      ? [...new Set(ctx.definition.questions.flatMap((q) => (q.type === 'likert5' && q.theme ? [q.theme] : [])))]
      : ctx.definition.questions.filter((q) => q.type !== 'text').map((q) => q.id);
  const rows = groups.map((g) => ({
    group: g.group,
    cells: names.map((name) => {
      if (g.suppressed) return null;
      if (columns === 'theme') {
        const t = g.themes[name];
        return t && 'favourable' in t ? t.favourable : null;
      }
      const s = g.questions[name];
      return s && 'n' in s ? (s.favourable ?? s.mean ?? null) : null;
    }),
  }));
  return { columns: names, rows };
}

/** Each metric per wave, overall or per group of one dimension (stable suppression across waves). */
export async function trend(db: Kysely<Database>, ctx: ReportContext, dimension: string | undefined) {
  if (dimension !== undefined) assertReportable(ctx, dimension, 'query.dimension');
  const points = [];
  const loaded = await surveyTables(db, ctx);
  for (const wave of ctx.waves) {
    if (dimension === undefined) {
      const { report } = await overview(db, ctx, wave.number, loaded);
      points.push({ wave: wave.number, status: wave.status, openedOn: wave.opened_on, groups: [report] });
    } else if (wave.status === 'open') {
      // Its groups come when it closes (assertClosed).
      points.push({ wave: wave.number, status: wave.status, openedOn: wave.opened_on, groups: [] });
    } else {
      const { groups } = await breakdown(db, ctx, wave.number, dimension, undefined, loaded);
      points.push({ wave: wave.number, status: wave.status, openedOn: wave.opened_on, groups });
    }
  }
  return points;
}

/**
 * Comments of a text question: only for a group of at least the comment threshold (P4), in random
 * order, text only. A segment's list is served only where its cell survives complementary
 * suppression, so "all comments minus Support's" never isolates a small group.
 */
export async function comments(
  db: Kysely<Database>,
  ctx: ReportContext,
  waveNumber: number | undefined,
  questionId: string,
  segment: { dimension: string; value: string } | undefined,
) {
  const question = ctx.definition.questions.find((q) => q.id === questionId);
  if (!question || question.type !== 'text')
    throw new ValidationFailed([{ field: 'query.question', message: 'is not a text question of this survey' }]);
  const wave = pickWave(ctx, waveNumber);
  assertClosed(ctx, wave);
  const target = ctx.scope ?? segment;
  if (target) assertReportable(ctx, target.dimension, 'query.dimension');
  const w = await waveTables(db, ctx, wave.id);
  const cell = target ? oneCell(target.dimension, target.value) : TOTAL;
  const exists = w.tables.some((t) => t.cells.some((c) => c.id === cell));
  if (!exists || w.hidden.comments.get(questionId)!.has(cell))
    return { wave, question: questionId, suppressed: true, comments: [] as string[] };
  let query = db
    .selectFrom('responses')
    .select(sql<string>`answers ->> ${questionId}`.as('text'))
    .where('org_id', '=', ctx.orgId)
    .where('wave_id', '=', wave.id)
    .where(sql<boolean>`answers ? ${questionId}`);
  if (target)
    query = query.where(sql<string>`coalesce(attributes ->> ${target.dimension}, ${NOT_REPORTED})`, '=', target.value);
  return {
    wave,
    question: questionId,
    suppressed: false,
    comments: shuffle((await query.execute()).map((r) => r.text)),
  };
}
