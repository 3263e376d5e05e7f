import { html, type SafeHtml } from '../../pages/html.ts';
import type { UiLanguage } from '../../pages/i18n.ts';
import type { ReportContext } from '../../reports/context.ts';
import { heatmapOf, type GroupReport } from '../../reports/service.ts';
import { localText } from '../shell/text.ts';
import { readableDimensions, readablePairs } from './common.ts';
import { num } from './format.ts';
import { RESULTS } from './strings.ts';

/** The colour bin of a value (share 0–1, or a 0–10 mean scaled to it): five steps, printed too. */
const bin = (fraction: number) => Math.max(0, Math.min(4, Math.floor(fraction * 5)));

const hiddenCell = (lang: UiLanguage) => html`<td class="cell heat-hidden">${RESULTS[lang].hidden}</td>`;

/**
 * A heatmap table: rows are the respondents, then themes and questions; columns are the groups.
 * Each cell prints its value (colour only repeats it); a hidden cell reads "hidden" on a hatched
 * background, so it is told apart without colour; a cell that does not apply reads "—".
 */
export function heatmapTable(input: {
  lang: UiLanguage;
  ctx: ReportContext;
  groups: GroupReport[];
  caption: string;
}): SafeHtml {
  const { lang, ctx, groups } = input;
  const t = RESULTS[lang];
  // The heatmap service's own cells (favourable share, else mean); the groups tell a hidden cell from one that does not apply.
  const byTheme = heatmapOf(ctx, groups, 'theme');
  const byQuestion = heatmapOf(ctx, groups, 'question');
  const themes = byTheme.columns;
  const numeric = ctx.definition.questions.filter(
    (q) => byQuestion.columns.includes(q.id) && (q.type === 'likert5' || q.type === 'scale0_10'),
  );
  const countRow = (label: string, field: 'respondents' | 'invited' | 'responseRate') =>
    html`<tr class="counts">
      <th scope="row">${label}</th>
      ${groups.map((g, gi) => {
        const v = g[field];
        if (v === null)
          return field === 'respondents' || g.suppressed
            ? hiddenCell(lang)
            : html`<td class="cell withheld">${t.withheld}</td>`;
        return html`<td class="cell num">
          ${num(lang, field === 'responseRate' ? 'share' : 'count', v, `groups.${gi}.${field}`)}
        </td>`;
      })}
    </tr>`;
  const themeRows = themes.map(
    (theme, ci) =>
      html`<tr>
        <th scope="row"><span class="row-kind">${t.theme}</span> ${theme}</th>
        ${groups.map((g, gi) => {
          const v = byTheme.rows[gi]!.cells[ci];
          if (v === null || v === undefined) return hiddenCell(lang);
          return html`<td class="cell num heat-${bin(v)}">
            ${num(lang, 'share', v, `groups.${gi}.themes.${theme}.favourable`)}
          </td>`;
        })}
      </tr>`,
  );
  const questionRows = numeric.map(
    (q) =>
      html`<tr>
        <th scope="row">${localText(q.text, lang, ctx.definition.defaultLanguage)}</th>
        ${groups.map((g, gi) => {
          const s = g.questions[q.id];
          if (g.suppressed || !s || !('n' in s)) return hiddenCell(lang);
          const v = byQuestion.rows[gi]!.cells[byQuestion.columns.indexOf(q.id)];
          if (v !== null && v !== undefined && q.type === 'likert5')
            return html`<td class="cell num heat-${bin(v)}">
              ${num(lang, 'share', v, `groups.${gi}.questions.${q.id}.favourable`)}
            </td>`;
          if (v !== null && v !== undefined)
            return html`<td class="cell num heat-${bin(v / 10)}">
              ${num(lang, 'mean', v, `groups.${gi}.questions.${q.id}.mean`)}
            </td>`;
          return html`<td class="cell na">—<span class="visually-hidden"> ${t.notApplicable}</span></td>`;
        })}
      </tr>`,
  );
  return html`<div class="table-scroll" role="region" aria-labelledby="heatmap-caption" tabindex="0">
    <table class="heatmap">
      <caption id="heatmap-caption">
        ${input.caption}
      </caption>
      <thead>
        <tr>
          <th scope="col">${t.group}</th>
          ${groups.map((g) => html`<th scope="col">${g.group}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${countRow(t.respondents, 'respondents')} ${countRow(t.invited, 'invited')} ${countRow(t.rate, 'responseRate')}
      </tbody>
      ${
        themeRows.length
          ? html`<tbody class="themes">
              ${themeRows}
            </tbody>`
          : ''
      }
      <tbody class="questions">
        ${questionRows}
      </tbody>
    </table>
  </div>`;
}

export function heatmapLegend(lang: UiLanguage, k: number): SafeHtml {
  const t = RESULTS[lang];
  return html`<section class="legend" aria-labelledby="legend-title">
    <h2 id="legend-title">${t.legend}</h2>
    <p class="hint">${t.legendText}</p>
    <ul>
      ${t.legendBins.map((label, i) => html`<li><span class="key heat-${i}" aria-hidden="true"></span>${label}</li>`)}
      <li><span class="key heat-hidden" aria-hidden="true"></span>${t.legendHidden}</li>
    </ul>
    <p class="hint">${t.hiddenExplained(k)}</p>
    <p class="hint">${t.withheldExplained(k)}</p>
  </section>`;
}

/** Links to each declared dimension and pair (the only breakdowns the API serves). */
export function dimensionPicker(input: {
  lang: UiLanguage;
  ctx: ReportContext;
  current: { dimension: string; by: string | undefined };
  href: (dimension: string, by?: string) => string;
  label: (key: string) => string;
}): SafeHtml {
  const { lang, ctx, current } = input;
  const t = RESULTS[lang];
  const mark = (d: string, by?: string) =>
    current.dimension === d && current.by === by ? html`aria-current="page"` : '';
  return html`<nav class="picker" aria-label="${t.dimensions}">
    <span class="picker-label">${t.dimension}:</span>
    <ul>
      ${readableDimensions(ctx).map((d) => html`<li><a href="${input.href(d)}" ${mark(d)}>${input.label(d)}</a></li>`)}
    </ul>
    ${
      readablePairs(ctx).length
        ? html`<span class="picker-label">${t.pair}:</span>
            <ul>
              ${readablePairs(ctx).map(
                ([a, b]) =>
                  html`<li><a href="${input.href(a, b)}" ${mark(a, b)}>${input.label(a)} × ${input.label(b)}</a></li>`,
              )}
            </ul>`
        : ''
    }
  </nav>`;
}
