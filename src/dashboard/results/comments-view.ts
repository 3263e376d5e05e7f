import { html, type SafeHtml } from '../../pages/html.ts';
import type { UiLanguage } from '../../pages/i18n.ts';
import type { ReportContext } from '../../reports/context.ts';
import { questionText } from './common.ts';
import { pluralNum } from './format.ts';
import { RESULTS } from './strings.ts';

/** The comment inbox of one text question, in the service's (random) order, text only. */
export function commentsBody(input: {
  lang: UiLanguage;
  ctx: ReportContext;
  question: string;
  result: { suppressed: boolean; comments: string[] };
  href: (question: string) => string;
}): SafeHtml {
  const { lang, ctx, result } = input;
  const t = RESULTS[lang];
  const textQuestions = ctx.definition.questions.filter((q) => q.type === 'text');
  const picker = html`<nav class="picker" aria-label="${t.questions}">
    <span class="picker-label">${t.question}:</span>
    <ul>
      ${textQuestions.map(
        (q) =>
          html`<li>
            <a href="${input.href(q.id)}" ${q.id === input.question ? html`aria-current="page"` : ''}
              >${questionText(ctx, q.id, lang)}</a
            >
          </li>`,
      )}
    </ul>
  </nav>`;
  const list = result.suppressed
    ? html`<p class="notice hidden-list">${t.commentsHidden(ctx.commentK)}</p>`
    : result.comments.length === 0
      ? html`<p>${t.noComments}</p>`
      : html`<p class="count">${pluralNum(lang, result.comments.length, t.commentCount, 'comments.length')}</p>
          <ul class="comments">
            ${result.comments.map((c) => html`<li><blockquote>${c}</blockquote></li>`)}
          </ul>`;
  return html`${picker}
    <h2 id="comments-question">${questionText(ctx, input.question, lang)}</h2>
    <p class="hint">${t.commentsNote}</p>
    ${list}`;
}
