import { toCsv } from '../exports/csv.ts';
import type { GroupReport } from './service.ts';

/**
 * The CSV of every report table, shared by the API (Accept: text/csv) and the dashboard's
 * downloads, so a file holds exactly the numbers the JSON and the page show, hidden cells empty.
 */

/** One CSV row per group: the same numbers as JSON, hidden cells left empty. */
export function groupRows(groups: GroupReport[], questionIds: string[], prefix: Array<string | number> = []) {
  return groups.map((g) => [
    ...prefix,
    g.group,
    g.suppressed ? 'suppressed' : '',
    g.respondents,
    g.invited,
    g.responseRate,
    g.engagementIndex,
    g.enps?.score ?? null,
    ...questionIds.map((id) => {
      const q = g.questions[id];
      return q && 'n' in q ? (q.favourable ?? q.mean ?? q.n) : null;
    }),
  ]);
}
export const groupHeader = (questionIds: string[], prefix: string[] = []) => [
  ...prefix,
  'group',
  'suppressed',
  'respondents',
  'invited',
  'response_rate',
  'engagement_index',
  'enps',
  ...questionIds,
];

export const groupsCsv = (questionIds: string[], groups: GroupReport[]) =>
  toCsv(groupHeader(questionIds), groupRows(groups, questionIds));

export const heatmapCsv = (result: {
  columns: string[];
  rows: Array<{ group: string; cells: Array<number | null> }>;
}) =>
  toCsv(
    ['group', ...result.columns],
    result.rows.map((r) => [r.group, ...r.cells]),
  );

export const trendCsv = (
  questionIds: string[],
  points: Array<{ wave: number; openedOn: string; groups: GroupReport[] }>,
) =>
  toCsv(
    groupHeader(questionIds, ['wave', 'opened_on']),
    points.flatMap((p) => groupRows(p.groups, questionIds, [p.wave, p.openedOn])),
  );

export const commentsCsv = (comments: string[]) =>
  toCsv(
    ['comment'],
    comments.map((c) => [c]),
  );

export const csvHeaders = (name: string) => ({ 'content-disposition': `attachment; filename="${name}.csv"` });
export const CSV_TYPE = 'text/csv; charset=utf-8';
