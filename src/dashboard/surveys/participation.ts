import type { Kysely } from 'kysely';
import type { Principal } from '../../auth/principal.ts';
import type { Database } from '../../db/schema.ts';
import { DomainError } from '../../errors.ts';
import { html, type SafeHtml } from '../../pages/html.ts';
import { surveyTables } from '../../reports/patterns.ts';
import { loadContext, overview } from '../../reports/service.ts';
import type { SurveyStrings } from './strings.ts';

/** What the overview publishes about a wave's participation: null where the API withholds it. */
export interface Participation {
  wave: number;
  status: 'open' | 'closed';
  suppressed: boolean;
  respondents: number | null;
  invited: number | null;
  responseRate: number | null;
  k: number;
}

/**
 * Participation of each wave exactly as GET /v1/reports/surveys/:id/overview publishes it: the same
 * loadContext (so a scoped analyst sees their segment only) and the same overview, never a count of
 * our own. So an open wave moves only in the steps the sealed box releases (P3), a group of fewer
 * than k says so without a number (P2), and invited/rate appear only where P7 allows. null: the
 * disclosure engine could not answer (P9): the page says so instead of failing.
 */
export async function participationOf(
  db: Kysely<Database>,
  principal: Principal,
  surveyId: string,
  only: 'latest' | 'all',
): Promise<Participation[] | null> {
  try {
    const ctx = await loadContext(db, principal, surveyId);
    if (ctx.waves.length === 0) return [];
    const loaded = await surveyTables(db, ctx);
    const waves = only === 'latest' ? ctx.waves.slice(-1) : ctx.waves;
    return await Promise.all(
      waves.map(async (w) => {
        const { report } = await overview(db, ctx, w.number, loaded);
        return {
          wave: w.number,
          status: w.status,
          suppressed: report.suppressed,
          respondents: report.respondents,
          invited: report.invited,
          responseRate: report.responseRate,
          k: ctx.k,
        };
      }),
    );
  } catch (error) {
    if (error instanceof DomainError && error.status === 503) return null;
    throw error;
  }
}

const percent = (rate: number, lang: string) =>
  new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 0 }).format(rate);

/** Respondents, invited and rate as text: a withheld number is a word, never a digit. */
export function participationCells(p: Participation | undefined | null, t: SurveyStrings, lang: string): SafeHtml {
  if (p === null) return html`<td colspan="3">${t.reportUnavailable}</td>`;
  if (p === undefined) return html`<td colspan="3">${t.notYet}</td>`;
  // "Hidden", not "fewer than k": an open wave hides a total of any size until it may move by k,
  // and a hidden count that said "under k" would narrow it (issue 15 audit).
  const respondents = p.suppressed ? t.hidden : p.respondents === null ? t.withheld : String(p.respondents);
  return html`<td class="num">${respondents}</td>
    <td class="num">${p.invited === null ? html`<span class="withheld">${t.withheld}</span>` : String(p.invited)}</td>
    <td class="num">
      ${p.responseRate === null ? html`<span class="withheld">${t.withheld}</span>` : percent(p.responseRate, lang)}
    </td>`;
}
