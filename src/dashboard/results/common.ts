import { html, type SafeHtml } from '../../pages/html.ts';
import type { UiLanguage } from '../../pages/i18n.ts';
import type { ReportContext } from '../../reports/context.ts';
import { pairDeclared } from '../../reports/tables.ts';
import { formatDate, localText } from '../shell/text.ts';
import { RESULTS } from './strings.ts';

export type ResultPage = 'overview' | 'breakdown' | 'trend' | 'comments';

export const base = (surveyId: string) => `/hr/surveys/${surveyId}/results`;

/** A query string of the given parameters, in order, without the empty ones (already &amp;-escaped by html). */
export function query(params: Record<string, string | number | undefined | null>): string {
  const pairs = Object.entries(params).filter(
    (e): e is [string, string | number] => e[1] !== undefined && e[1] !== null,
  );
  return pairs.length
    ? `?${new URLSearchParams(pairs.map(([k, v]): [string, string] => [k, String(v)])).toString()}`
    : '';
}

export const surveyTitle = (ctx: ReportContext, lang: UiLanguage) =>
  localText(ctx.definition.title, lang, ctx.definition.defaultLanguage);

/** The heading, the scope note and the tabs between the results pages (plain links). */
export function resultsHeader(input: {
  lang: UiLanguage;
  ctx: ReportContext;
  page: ResultPage;
  wave: number | undefined;
  dimensionLabel: (key: string) => string;
}): SafeHtml {
  const { lang, ctx, page, wave } = input;
  const t = RESULTS[lang];
  const tabs: Array<[ResultPage, string, string]> = [
    ['overview', t.overview, `${base(ctx.surveyId)}${query({ wave })}`],
    ['breakdown', t.breakdown, `${base(ctx.surveyId)}/breakdown${query({ wave })}`],
    ['trend', t.trend, `${base(ctx.surveyId)}/trend`],
    ['comments', t.comments, `${base(ctx.surveyId)}/comments${query({ wave })}`],
  ];
  return html`<p class="crumbs"><a href="/hr/surveys">${surveyTitle(ctx, lang)}</a></p>
    <h1>${t.results}: ${tabs.find((x) => x[0] === page)![1]}</h1>
    ${ctx.scope ? html`<p class="scope-note">${t.scopeNote(input.dimensionLabel(ctx.scope.dimension), ctx.scope.value)}</p>` : ''}
    <nav class="tabs" aria-label="${t.sections}">
      <ul>
        ${tabs.map(
          ([key, label, href]) =>
            html`<li><a href="${href}" ${key === page ? html`aria-current="page"` : ''}>${label}</a></li>`,
        )}
      </ul>
    </nav>`;
}

/** Links to every wave of the survey, the chosen one marked; `extra` keeps the page's other parameters. */
export function wavePicker(
  lang: UiLanguage,
  ctx: ReportContext,
  current: number,
  href: (wave: number) => string,
): SafeHtml {
  const t = RESULTS[lang];
  return html`<nav class="waves" aria-label="${t.waves}">
    <ul>
      ${ctx.waves.map(
        (w) =>
          html`<li>
            <a href="${href(w.number)}" ${w.number === current ? html`aria-current="page"` : ''}
              >${t.wave(w.number)} <span class="status status-${w.status}">${t.waveStatus[w.status]}</span>
              <span class="when">${t.openedOn(formatDate(w.opened_on, lang))}</span></a
            >
          </li>`,
      )}
    </ul>
  </nav>`;
}

export const downloadLink = (label: string, href: string) =>
  html`<p class="download"><a href="${href}" download>${label}</a></p>`;

/** A question's text in the reader's language (the survey's default, else any it has). */
export function questionText(ctx: ReportContext, id: string, lang: UiLanguage): string {
  const q = ctx.definition.questions.find((x) => x.id === id);
  return q ? localText(q.text, lang, ctx.definition.defaultLanguage) : id;
}

/**
 * The dimensions a reader can break down by: all reportable ones, or for a scoped reader their own
 * and those declared in a pair with it (the service refuses the others: service.ts breakdown).
 */
export function readableDimensions(ctx: ReportContext): string[] {
  const scope = ctx.scope;
  if (!scope) return ctx.reportable;
  return ctx.reportable.filter((d) => d === scope.dimension || pairDeclared(ctx, scope.dimension, d) !== undefined);
}

/** The declared pairs a reader can read: all, or for a scoped reader those with their own dimension. */
export function readablePairs(ctx: ReportContext): Array<[string, string]> {
  const scope = ctx.scope;
  return ctx.pairs.filter(
    ([a, b]) =>
      ctx.reportable.includes(a) &&
      ctx.reportable.includes(b) &&
      (!scope || a === scope.dimension || b === scope.dimension),
  );
}
