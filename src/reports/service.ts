import { sql, type Kysely } from 'kysely';
import type { Database, ReleasedAttributes, Scope } from '../db/schema.ts';
import { NotFound, ValidationFailed } from '../errors.ts';
import type { Principal } from '../auth/principal.ts';
import type { SurveyDefinition } from '../surveys/questions.ts';
import { shuffle } from '../responses/generalise.ts';
import { protect, type Cell } from './disclosure.ts';
import { engagementIndex, questionStats, tally, themeCounts, type CounterRow, type GroupCounts, type QuestionStats } from './metrics.ts';

/** The label of respondents whose value of a dimension was generalised away by the mixer. */
export const NOT_REPORTED = '(not reported)';
const ALL = '(all)';

export interface ReportContext {
  orgId: string;
  surveyId: string;
  definition: SurveyDefinition;
  k: number;
  commentK: number;
  reportable: string[];
  pairs: Array<[string, string]>;
  waves: Array<{ id: string; number: number; status: 'open' | 'closed'; opened_on: string; closed_on: string | null }>;
  scope: Scope | null;
}

export async function loadContext(db: Kysely<Database>, principal: Principal, surveyId: string): Promise<ReportContext> {
  const survey = await db
    .selectFrom('surveys')
    .innerJoin('organizations', 'organizations.id', 'surveys.org_id')
    .select(['surveys.definition', 'surveys.min_group_size', 'organizations.reportable_pairs', 'organizations.comment_min_group_size'])
    .where('surveys.org_id', '=', principal.orgId)
    .where('surveys.id', '=', surveyId)
    .executeTakeFirst();
  if (!survey) throw new NotFound('Survey');
  const reportable = (await db.selectFrom('attribute_dimensions').select('key').where('org_id', '=', principal.orgId).where('reportable', '=', true).orderBy('position').execute()).map((d) => d.key);
  const waves = await db.selectFrom('waves').select(['id', 'number', 'status', 'opened_on', 'closed_on']).where('org_id', '=', principal.orgId).where('survey_id', '=', surveyId).orderBy('number').execute();
  return {
    orgId: principal.orgId,
    surveyId,
    definition: survey.definition,
    k: survey.min_group_size,
    commentK: Math.max(survey.min_group_size, survey.comment_min_group_size ?? 0),
    reportable,
    pairs: survey.reportable_pairs,
    waves,
    scope: principal.kind === 'session' ? principal.scope : null,
  };
}

export function pickWave(ctx: ReportContext, number: number | undefined) {
  const wave = number === undefined ? ctx.waves.at(-1) : ctx.waves.find((w) => w.number === number);
  if (!wave) throw new NotFound(number === undefined ? 'A wave of this survey' : `Wave ${number}`);
  return wave;
}

export function assertReportable(ctx: ReportContext, dimension: string, field: string): void {
  if (!ctx.reportable.includes(dimension)) throw new ValidationFailed([{ field, message: 'is not a reportable dimension of this organization' }]);
}

async function counters(db: Kysely<Database>, orgId: string, waveIds: string[]): Promise<CounterRow[]> {
  if (waveIds.length === 0) return [];
  return db.selectFrom('answer_counts').select(['wave_id', 'combo', 'question_id', 'value', 'n']).where('org_id', '=', orgId).where('wave_id', 'in', waveIds).execute();
}

/** Invited counts per raw value of a dimension (roster knowledge an attacker has anyway). */
async function invitedBy(db: Kysely<Database>, orgId: string, waveId: string, dimension: string | null): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('invitations')
    .select([dimension ? sql<string>`coalesce(attributes ->> ${dimension}, ${NOT_REPORTED})`.as('value') : sql<string>`${ALL}::text`.as('value'), (eb) => eb.fn.countAll<number>().as('n')])
    .where('org_id', '=', orgId)
    .where('wave_id', '=', waveId)
    .groupBy('value')
    .execute();
  return new Map(rows.map((r) => [r.value, r.n]));
}

const valueOf = (combo: ReleasedAttributes, dimension: string) => combo[dimension] ?? NOT_REPORTED;

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

interface Grouping {
  /** Group of each released combination; undefined leaves it out (outside a scope). */
  groupOf: (combo: ReleasedAttributes) => string | undefined;
  /** Margins over group ids whose sums are published elsewhere (at least the grand total). */
  margins: (groups: string[]) => string[][];
  /** The attacker's maximum for a group (invited). */
  upper: (group: string) => number;
  invited: (group: string) => number | null;
}

/**
 * Computes every group's numbers and hides what P2/P3 require: respondent counts first (with the
 * `forced` pattern kept from other waves), then each question and theme table, each protected
 * against subtraction from its published total.
 */
async function buildGroups(ctx: ReportContext, rows: CounterRow[], grouping: Grouping, forced: Set<string> = new Set(), k = ctx.k): Promise<GroupReport[]> {
  const groups = tally(rows, grouping.groupOf);
  const ids = [...groups.keys()].sort();
  const margins = grouping.margins(ids);
  const cellsOf = (n: (g: GroupCounts) => number): Cell[] => ids.map((id) => ({ id, n: n(groups.get(id)!), upper: grouping.upper(id) }));
  const hiddenGroups = (await protect(cellsOf((g) => g.respondents), margins, k, forced)).suppressed;

  const hiddenQuestion = new Map<string, Set<string>>();
  for (const q of ctx.definition.questions) {
    hiddenQuestion.set(q.id, (await protect(cellsOf((g) => g.questions.get(q.id)?.answered ?? 0), margins, k, hiddenGroups)).suppressed);
  }
  const themeNames = [...new Set(ctx.definition.questions.flatMap((q) => (q.type === 'likert5' && q.theme ? [q.theme] : [])))];
  const hiddenTheme = new Map<string, Set<string>>();
  for (const theme of themeNames) {
    const constituents = ctx.definition.questions.filter((q) => q.type === 'likert5' && q.theme === theme);
    const forcedTheme = new Set([...hiddenGroups, ...constituents.flatMap((q) => [...hiddenQuestion.get(q.id)!])]);
    hiddenTheme.set(theme, (await protect(cellsOf((g) => themeCounts(ctx.definition, g).get(theme)?.answers ?? 0), margins, k, forcedTheme)).suppressed);
  }

  return ids.map((id) => {
    const g = groups.get(id)!;
    const invited = grouping.invited(id);
    if (hiddenGroups.has(id)) {
      return { group: id, suppressed: true, respondents: null, invited, responseRate: null, engagementIndex: null, enps: null, questions: {}, themes: {} };
    }
    const visible = (qid: string) => !hiddenQuestion.get(qid)!.has(id);
    const questions = Object.fromEntries(ctx.definition.questions.map((q) => [q.id, visible(q.id) ? questionStats(q, g.questions.get(q.id)) : ({ suppressed: true } as const)]));
    const enpsQuestion = ctx.definition.questions.find((q) => q.type === 'scale0_10');
    const enpsStats = enpsQuestion ? questions[enpsQuestion.id] : undefined;
    const themes = Object.fromEntries(
      [...themeCounts(ctx.definition, g)].map(([theme, t]) => [theme, hiddenTheme.get(theme)!.has(id) ? ({ suppressed: true } as const) : { answers: t.answers, favourable: t.answers ? Math.round((t.favourable / t.answers) * 1000) / 1000 : 0 }]),
    );
    // P7: a rate only where at least k were invited; the responded count is the published cell.
    const responseRate = invited !== null && invited >= k ? Math.round((g.respondents / invited) * 1000) / 1000 : null;
    return {
      group: id,
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

function oneDimension(dimension: string, invited: Map<string, number>, total: number): Grouping {
  return {
    groupOf: (combo) => valueOf(combo, dimension),
    margins: (ids) => [ids],
    // "other" and "(not reported)" mix values, so only the total invited bounds them.
    upper: (group) => invited.get(group) ?? total,
    invited: (group) => (group === 'other' || group === NOT_REPORTED ? null : (invited.get(group) ?? null)),
  };
}

/** The wave as a whole, or for a scoped reader their segment only (served only if the segment's breakdown cell is). */
export async function overview(db: Kysely<Database>, ctx: ReportContext, waveNumber: number | undefined) {
  const wave = pickWave(ctx, waveNumber);
  const rows = await counters(db, ctx.orgId, [wave.id]);
  const group = ctx.scope ? (await breakdownOf(db, ctx, wave.id, rows, ctx.scope.dimension)).find((g) => g.group === ctx.scope!.value) : undefined;
  if (ctx.scope) return { wave, scope: ctx.scope, report: group ?? emptyGroup(ctx.scope.value) };
  const invited = await invitedBy(db, ctx.orgId, wave.id, null);
  const total = invited.get(ALL) ?? 0;
  const [report] = await buildGroups(ctx, rows, { groupOf: () => ALL, margins: () => [], upper: () => total, invited: () => total });
  return { wave, scope: null, report: report ?? emptyGroup(ALL, total) };
}

function emptyGroup(group: string, invited: number | null = null): GroupReport {
  return { group, suppressed: true, respondents: null, invited, responseRate: null, engagementIndex: null, enps: null, questions: {}, themes: {} };
}

/** All groups of one dimension for a wave, with the suppression pattern kept stable across the survey's waves. */
async function breakdownOf(db: Kysely<Database>, ctx: ReportContext, waveId: string, rows: CounterRow[], dimension: string, k = ctx.k): Promise<GroupReport[]> {
  const forced = await stablePattern(db, ctx, dimension, k);
  const invited = await invitedBy(db, ctx.orgId, waveId, dimension);
  const total = [...invited.values()].reduce((a, b) => a + b, 0);
  return buildGroups(ctx, rows, oneDimension(dimension, invited, total), forced, k);
}

/**
 * Groups hidden in any wave of the survey stay hidden in every wave (issue 4: earlier waves must
 * not help reconstruct a later one). Adding hidden cells only widens an attacker's intervals.
 */
async function stablePattern(db: Kysely<Database>, ctx: ReportContext, dimension: string, k: number): Promise<Set<string>> {
  const all = await counters(db, ctx.orgId, ctx.waves.map((w) => w.id));
  const hidden = new Set<string>();
  for (const wave of ctx.waves) {
    const rows = all.filter((r) => r.wave_id === wave.id);
    const groups = tally(rows, (combo) => valueOf(combo, dimension));
    const cells = [...groups].map(([id, g]) => ({ id, n: g.respondents, upper: Infinity }));
    for (const id of (await protect(cells, [cells.map((c) => c.id)], k)).suppressed) hidden.add(id);
  }
  return hidden;
}

export async function breakdown(db: Kysely<Database>, ctx: ReportContext, waveNumber: number | undefined, dimension: string, by: string | undefined) {
  assertReportable(ctx, dimension, 'query.dimension');
  const wave = pickWave(ctx, waveNumber);
  const rows = await counters(db, ctx.orgId, [wave.id]);
  if (by !== undefined) {
    assertReportable(ctx, by, 'query.by');
    const declared = ctx.pairs.some(([a, b]) => (a === dimension && b === by) || (a === by && b === dimension));
    if (!declared) throw new ValidationFailed([{ field: 'query.by', message: `${dimension} × ${by} is not a pair the organization declared reportable` }]);
    return { wave, dimension, by, groups: await pairGroups(db, ctx, wave.id, rows, dimension, by) };
  }
  if (ctx.scope) {
    // A scoped reader's breakdown is a row of the (scope dimension × dimension) table, whose margins others can see.
    const groups = dimension === ctx.scope.dimension ? (await breakdownOf(db, ctx, wave.id, rows, dimension)).filter((g) => g.group === ctx.scope!.value) : await pairGroups(db, ctx, wave.id, rows, ctx.scope.dimension, dimension, ctx.scope.value);
    return { wave, dimension, by: null, groups };
  }
  return { wave, dimension, by: null, groups: await breakdownOf(db, ctx, wave.id, rows, dimension) };
}

const pairKey = (a: string, b: string) => JSON.stringify([a, b]);

/** Two dimensions crossed; row and column totals are published by the one-dimension breakdowns. */
async function pairGroups(db: Kysely<Database>, ctx: ReportContext, waveId: string, rows: CounterRow[], first: string, second: string, onlyRow?: string): Promise<GroupReport[]> {
  const rowsPublished = new Set((await breakdownOf(db, ctx, waveId, rows, first)).filter((g) => !g.suppressed).map((g) => g.group));
  const colsPublished = new Set((await breakdownOf(db, ctx, waveId, rows, second)).filter((g) => !g.suppressed).map((g) => g.group));
  const invited = await invitedBy(db, ctx.orgId, waveId, first);
  const total = [...invited.values()].reduce((a, b) => a + b, 0);
  const grouping: Grouping = {
    groupOf: (combo) => pairKey(valueOf(combo, first), valueOf(combo, second)),
    margins: (ids) => {
      const parsed = ids.map((id) => [id, ...(JSON.parse(id) as [string, string])] as const);
      const byRow = Object.groupBy(parsed, ([, a]) => a);
      const byCol = Object.groupBy(parsed, ([, , b]) => b);
      return [
        ...Object.entries(byRow).filter(([a]) => rowsPublished.has(a)).map(([, m]) => m!.map(([id]) => id)),
        ...Object.entries(byCol).filter(([b]) => colsPublished.has(b)).map(([, m]) => m!.map(([id]) => id)),
        ids,
      ];
    },
    upper: (id) => invited.get((JSON.parse(id) as [string, string])[0]) ?? total,
    invited: () => null,
  };
  const groups = await buildGroups(ctx, rows, grouping);
  return groups.filter((g) => onlyRow === undefined || (JSON.parse(g.group) as [string, string])[0] === onlyRow).map((g) => ({ ...g, group: (JSON.parse(g.group) as [string, string]).join(' × ') }));
}

/** Rows of a breakdown against themes (pooled favourability) or questions (favourability, else mean). */
export async function heatmap(db: Kysely<Database>, ctx: ReportContext, waveNumber: number | undefined, dimension: string, columns: 'theme' | 'question') {
  const { wave, groups } = await breakdown(db, ctx, waveNumber, dimension, undefined);
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
  return { wave, dimension, columns: names, rows };
}

/** Each metric per wave, overall or per group of one dimension (stable suppression across waves). */
export async function trend(db: Kysely<Database>, ctx: ReportContext, dimension: string | undefined) {
  if (dimension !== undefined) assertReportable(ctx, dimension, 'query.dimension');
  const points = [];
  for (const wave of ctx.waves) {
    if (dimension === undefined) {
      const { report } = await overview(db, ctx, wave.number);
      points.push({ wave: wave.number, openedOn: wave.opened_on, groups: [report] });
    } else {
      const { groups } = await breakdown(db, ctx, wave.number, dimension, undefined);
      points.push({ wave: wave.number, openedOn: wave.opened_on, groups });
    }
  }
  return points;
}

/**
 * Comments of a text question: only for a group of at least the comment threshold (P4), in random
 * order, text only. A segment's list is served only where its cell survives complementary
 * suppression, so "all comments minus Support's" never isolates a small group.
 */
export async function comments(db: Kysely<Database>, ctx: ReportContext, waveNumber: number | undefined, questionId: string, segment: { dimension: string; value: string } | undefined) {
  const question = ctx.definition.questions.find((q) => q.id === questionId);
  if (!question || question.type !== 'text') throw new ValidationFailed([{ field: 'query.question', message: 'is not a text question of this survey' }]);
  const wave = pickWave(ctx, waveNumber);
  const target = ctx.scope ?? segment;
  if (target) assertReportable(ctx, target.dimension, 'query.dimension');
  const rows = await counters(db, ctx.orgId, [wave.id]);
  const groups = target ? await breakdownOf(db, ctx, wave.id, rows, target.dimension, ctx.commentK) : await buildGroups(ctx, rows, { groupOf: () => ALL, margins: () => [], upper: () => Infinity, invited: () => null }, new Set(), ctx.commentK);
  const cell = groups.find((g) => g.group === (target?.value ?? ALL))?.questions[questionId];
  if (!cell || !('n' in cell)) return { wave, question: questionId, suppressed: true, comments: [] as string[] };
  let query = db
    .selectFrom('responses')
    .select(sql<string>`answers ->> ${questionId}`.as('text'))
    .where('org_id', '=', ctx.orgId)
    .where('wave_id', '=', wave.id)
    .where(sql<boolean>`answers ? ${questionId}`);
  if (target) query = query.where(sql<string>`coalesce(attributes ->> ${target.dimension}, ${NOT_REPORTED})`, '=', target.value);
  return { wave, question: questionId, suppressed: false, comments: shuffle((await query.execute()).map((r) => r.text)) };
}
