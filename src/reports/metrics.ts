import type { ReleasedAttributes } from '../db/schema.ts';
import type { Question, SurveyDefinition } from '../surveys/questions.ts';
import { ANSWERED, RESPONDENTS } from './counters.ts';

export interface QuestionCounts {
  answered: number;
  values: Map<string, number>;
}

export interface GroupCounts {
  respondents: number;
  questions: Map<string, QuestionCounts>;
}

export interface CounterRow {
  wave_id: string;
  combo: ReleasedAttributes;
  question_id: string;
  value: string;
  n: number;
}

/** Sums counters into groups; `groupOf` names the group of a released combination (undefined: leave out). */
export function tally(
  rows: CounterRow[],
  groupOf: (combo: ReleasedAttributes) => string | undefined,
): Map<string, GroupCounts> {
  const groups = new Map<string, GroupCounts>();
  for (const row of rows) {
    const key = groupOf(row.combo);
    if (key === undefined) continue;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { respondents: 0, questions: new Map() }));
    if (row.question_id === RESPONDENTS) group.respondents += row.n;
    else if (row.value === ANSWERED) questionOf(group, row.question_id).answered += row.n;
    else addValue(questionOf(group, row.question_id), row.value, row.n);
  }
  return groups;
}

/** Sums groups (the atoms of a published cell) into one. */
export function mergeCounts(parts: Array<{ counts: GroupCounts }>): GroupCounts {
  const merged: GroupCounts = { respondents: 0, questions: new Map() };
  for (const { counts } of parts) {
    merged.respondents += counts.respondents;
    for (const [qid, c] of counts.questions) {
      const q = questionOf(merged, qid);
      q.answered += c.answered;
      for (const [v, n] of c.values) addValue(q, v, n);
    }
  }
  return merged;
}

function questionOf(group: GroupCounts, questionId: string): QuestionCounts {
  let q = group.questions.get(questionId);
  if (!q) group.questions.set(questionId, (q = { answered: 0, values: new Map() }));
  return q;
}

const addValue = (q: QuestionCounts, value: string, n: number) => q.values.set(value, (q.values.get(value) ?? 0) + n);

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

export interface QuestionStats {
  n: number;
  mean: number | null;
  /** likert5: share answering 4 or 5. */
  favourable: number | null;
  /** Share of answerers per option or scale point (multi_choice: share choosing each option). */
  distribution: Record<string, number>;
  enps: { score: number; promoters: number; passives: number; detractors: number } | null;
}

const scalePoints = (q: Question): number[] =>
  q.type === 'likert5' ? [1, 2, 3, 4, 5] : q.type === 'scale0_10' ? [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10] : [];

/** The values a question's distribution is published over (none for text). */
export function valueKeys(q: Question): string[] {
  if (q.type === 'text') return [];
  if (q.type === 'single_choice' || q.type === 'multi_choice') return q.options.map((o) => o.id);
  if (q.type === 'yes_no') return ['true', 'false'];
  return scalePoints(q).map(String);
}

export function questionStats(q: Question, c: QuestionCounts | undefined): QuestionStats {
  const n = c?.answered ?? 0;
  const count = (v: string) => c?.values.get(v) ?? 0;
  const share = (x: number) => (n === 0 ? 0 : round(x / n, 3));
  const points = scalePoints(q);
  const distribution = Object.fromEntries(valueKeys(q).map((k) => [k, share(count(k))]));
  const mean = points.length && n ? round(points.reduce((s, p) => s + p * count(String(p)), 0) / n, 2) : null;
  const favourable = q.type === 'likert5' && n ? share(count('4') + count('5')) : null;
  let enps: QuestionStats['enps'] = null;
  if (q.type === 'scale0_10' && n) {
    const sum = (from: number, to: number) =>
      points.filter((p) => p >= from && p <= to).reduce((s, p) => s + count(String(p)), 0);
    const promoters = share(sum(9, 10));
    const detractors = share(sum(0, 6));
    enps = {
      score: Math.round((sum(9, 10) - sum(0, 6)) * (100 / n)),
      promoters,
      passives: share(sum(7, 8)),
      detractors,
    };
  }
  return { n, mean, favourable, distribution, enps };
}

/** Favourable share per theme, pooled over the theme's likert5 answers. */
export function themeCounts(
  definition: SurveyDefinition,
  group: GroupCounts | undefined,
): Map<string, { answers: number; favourable: number }> {
  const themes = new Map<string, { answers: number; favourable: number }>();
  for (const q of definition.questions) {
    if (q.type !== 'likert5' || !q.theme) continue;
    const c = group?.questions.get(q.id);
    const t = themes.get(q.theme) ?? { answers: 0, favourable: 0 };
    t.answers += c?.answered ?? 0;
    t.favourable += (c?.values.get('4') ?? 0) + (c?.values.get('5') ?? 0);
    themes.set(q.theme, t);
  }
  return themes;
}

/** The likert5 questions behind the engagement index: those themed "engage", or all when none is. */
export function engagementQuestions(definition: SurveyDefinition): Question[] {
  const likert = definition.questions.filter((q) => q.type === 'likert5');
  const engage = likert.filter((q) => q.theme === 'engage');
  return engage.length ? engage : likert;
}

/** Engagement index: the mean favourable share (0–100) over the engagement questions. */
export function engagementIndex(
  definition: SurveyDefinition,
  group: GroupCounts | undefined,
  visible: (questionId: string) => boolean,
): number | null {
  const shares = engagementQuestions(definition)
    .filter((q) => visible(q.id))
    .map((q) => questionStats(q, group?.questions.get(q.id)))
    .filter((s) => s.n > 0)
    .map((s) => s.favourable!);
  return shares.length ? round((shares.reduce((a, b) => a + b, 0) / shares.length) * 100, 1) : null;
}
