import { html, type SafeHtml } from '../../pages/html.ts';
import type { UiLanguage } from '../../pages/i18n.ts';
import type { ReportContext } from '../../reports/context.ts';
import type { WaveCaveats } from '../../reports/caveats.ts';
import type { GroupReport } from '../../reports/service.ts';
import type { Question } from '../../surveys/questions.ts';
import { localText } from '../shell/text.ts';
import { singleBar, stackedBar } from './charts.ts';
import { num, pluralNum } from './format.ts';
import { LIKERT, RESULTS, YES_NO } from './strings.ts';

const LIKERT_FILLS = ['#a3161b', '#e08a6f', '#aab1ba', '#6fa3d6', '#0b5cad'];
const CATEGORY_FILLS = ['#0b5cad', '#b3411a', '#1d6b35', '#6a3d9a', '#8a6d00', '#00606b', '#a3161b', '#4a5360'];
const scaleFill = (p: number) =>
  p <= 6
    ? ['#7a0f13', '#8f1418', '#a3161b', '#b8322a', '#cc5140', '#dc735e', '#e8957f'][p]!
    : p <= 8
      ? '#aab1ba'
      : p === 9
        ? '#4d8fd1'
        : '#0b5cad';

const swatch = (fill: string) =>
  html`<svg class="swatch" viewBox="0 0 12 12" aria-hidden="true" focusable="false">
    <rect width="12" height="12" fill="${fill}"></rect>
  </svg>`;

/** "hidden" where the API gives a bare marker: text, never a number (SPEC P2). */
export const hiddenText = (lang: UiLanguage) => html`<span class="hidden-value">${RESULTS[lang].hidden}</span>`;
export const withheldText = (lang: UiLanguage) => html`<span class="hidden-value">${RESULTS[lang].withheld}</span>`;

function optionsOf(
  q: Question,
  lang: UiLanguage,
  fallback: string,
): Array<{ key: string; label: string; fill: string }> {
  if (q.type === 'likert5')
    return ['1', '2', '3', '4', '5'].map((key, i) => ({
      key,
      label: `${key} ${LIKERT[lang][key]}`,
      fill: LIKERT_FILLS[i]!,
    }));
  if (q.type === 'scale0_10')
    return Array.from({ length: 11 }, (_, p) => ({ key: String(p), label: String(p), fill: scaleFill(p) }));
  if (q.type === 'yes_no')
    return [
      { key: 'true', label: YES_NO[lang].true!, fill: '#0b5cad' },
      { key: 'false', label: YES_NO[lang].false!, fill: '#b3411a' },
    ];
  if (q.type === 'single_choice' || q.type === 'multi_choice')
    return q.options.map((o, i) => ({
      key: o.id,
      label: localText(o.text, lang, fallback),
      fill: CATEGORY_FILLS[i % CATEGORY_FILLS.length]!,
    }));
  return [];
}

/** One question: its text, its distribution as a stacked bar, and the same shares as text. */
function questionBlock(ctx: ReportContext, report: GroupReport, q: Question, lang: UiLanguage): SafeHtml {
  const t = RESULTS[lang];
  const fallback = ctx.definition.defaultLanguage;
  const stats = report.questions[q.id];
  const text = localText(q.text, lang, fallback);
  const of = `report.questions.${q.id}`;
  if (!stats || !('n' in stats))
    return html`<li class="question">
      <h3>${text}</h3>
      <p class="hidden-cell">${t.hidden}</p>
    </li>`;
  const options = optionsOf(q, lang, fallback);
  const shares = options.map((o) => ({ ...o, value: stats.distribution[o.key] ?? 0 }));
  const figures = html`<p class="figures">
    ${t.answered('')}${num(lang, 'count', stats.n, `${of}.n`)}
    ${stats.favourable !== null ? html` · ${t.favourable} ${num(lang, 'share', stats.favourable, `${of}.favourable`)}` : ''}
    ${stats.mean !== null ? html` · ${t.mean} ${num(lang, 'mean', stats.mean, `${of}.mean`)}` : ''}
  </p>`;
  const legend = html`<ul class="dist-legend">
    ${shares.map(
      (s) =>
        html`<li>
          ${swatch(s.fill)} <span>${s.label}</span> ${num(lang, 'share', s.value, `${of}.distribution.${s.key}`)}
        </li>`,
    )}
  </ul>`;
  if (q.type === 'multi_choice')
    return html`<li class="question">
      <h3>${text}</h3>
      ${figures}
      <p class="hint">${t.multiNote}</p>
      <ul class="dist-multi">
        ${shares.map(
          (s) =>
            html`<li>
              <span class="opt">${s.label}</span> ${singleBar(s.value, s.fill)}
              ${num(lang, 'share', s.value, `${of}.distribution.${s.key}`)}
            </li>`,
        )}
      </ul>
    </li>`;
  return html`<li class="question">
    <h3>${text}</h3>
    ${figures} ${stackedBar(shares.map((s) => ({ key: s.key, value: s.value, fill: s.fill })))} ${legend}
  </li>`;
}

function headline(report: GroupReport, lang: UiLanguage, open: boolean): SafeHtml {
  const t = RESULTS[lang];
  const item = (label: string, value: SafeHtml, hint?: string) =>
    html`<div class="metric">
      <dt>${label}</dt>
      <dd>${value}</dd>
      ${hint ? html`<dd class="hint">${hint}</dd>` : ''}
    </div>`;
  const or = (v: number | null, kind: Parameters<typeof num>[1], of: string, missing: SafeHtml) =>
    v === null ? missing : num(lang, kind, v, of);
  const hidden = hiddenText(lang);
  return html`<dl class="headline">
    ${item(t.respondents, or(report.respondents, 'count', 'report.respondents', hidden))}
    ${item(t.invited, or(report.invited, 'count', 'report.invited', withheldText(lang)))}
    ${item(t.rate, or(report.responseRate, 'share', 'report.responseRate', withheldText(lang)))}
    ${
      open
        ? ''
        : html`${item(t.engagement, or(report.engagementIndex, 'index', 'report.engagementIndex', hidden), t.engagementHint)}
          ${item(
            t.enps,
            report.enps ? html`${num(lang, 'score', report.enps.score, 'report.enps.score')}` : hidden,
            report.enps ? undefined : undefined,
          )}
          ${
            report.enps
              ? item(
                  t.enpsParts,
                  html`${num(lang, 'share', report.enps.promoters, 'report.enps.promoters')} ·
                  ${num(lang, 'share', report.enps.passives, 'report.enps.passives')} ·
                  ${num(lang, 'share', report.enps.detractors, 'report.enps.detractors')}`,
                )
              : ''
          }`
    }
  </dl>`;
}

function themesTable(report: GroupReport, lang: UiLanguage): SafeHtml {
  const t = RESULTS[lang];
  const themes = Object.entries(report.themes);
  if (!themes.length) return html``;
  return html`<h2 id="themes">${t.themes}: ${t.favourability}</h2>
    <p class="hint">${t.favourabilityHint}</p>
    <table class="data">
      <thead>
        <tr>
          <th scope="col">${t.theme}</th>
          <th scope="col">${t.favourable}</th>
          <th scope="col">${t.answers}</th>
        </tr>
      </thead>
      <tbody>
        ${themes.map(
          ([name, v]) =>
            html`<tr>
              <th scope="row">${name}</th>
              ${
                'favourable' in v
                  ? html`<td class="num">${num(lang, 'share', v.favourable, `report.themes.${name}.favourable`)}</td>
                      <td class="num">${num(lang, 'count', v.answers, `report.themes.${name}.answers`)}</td>`
                  : html`<td class="hidden-cell" colspan="2">${t.hidden}</td>`
              }
            </tr>`,
        )}
      </tbody>
    </table>`;
}

/** Drivers: the agree–disagree questions from most to least favourable, hidden ones last. */
function driversTable(ctx: ReportContext, report: GroupReport, lang: UiLanguage): SafeHtml {
  const t = RESULTS[lang];
  const likert = ctx.definition.questions.filter((q) => q.type === 'likert5');
  if (!likert.length) return html``;
  const fav = (id: string) => {
    const s = report.questions[id];
    return s && 'n' in s ? s.favourable : null;
  };
  const sorted = [...likert].sort((a, b) => (fav(b.id) ?? -1) - (fav(a.id) ?? -1));
  return html`<h2 id="drivers">${t.drivers}</h2>
    <p class="hint">${t.driversHint}</p>
    <table class="data">
      <thead>
        <tr>
          <th scope="col">${t.question}</th>
          <th scope="col">${t.theme}</th>
          <th scope="col">${t.favourable}</th>
        </tr>
      </thead>
      <tbody>
        ${sorted.map((q) => {
          const f = fav(q.id);
          return html`<tr>
            <th scope="row">${localText(q.text, lang, ctx.definition.defaultLanguage)}</th>
            <td>${q.theme ?? ''}</td>
            ${
              f === null
                ? html`<td class="hidden-cell">${t.hidden}</td>`
                : html`<td class="num">${num(lang, 'share', f, `report.questions.${q.id}.favourable`)}</td>`
            }
          </tr>`;
        })}
      </tbody>
    </table>`;
}

/** Open-text questions: how many wrote, and the way to the comment inbox. */
function textQuestions(ctx: ReportContext, report: GroupReport, texts: Question[], lang: UiLanguage, wave: number) {
  const t = RESULTS[lang];
  return html`<h2 id="open-text">${t.comments}</h2>
    <ul class="text-questions">
      ${texts.map((q) => {
        const stats = report.questions[q.id];
        const href = `/hr/surveys/${ctx.surveyId}/results/comments?question=${encodeURIComponent(q.id)}&wave=${wave}`;
        return html`<li>
          <a href="${href}">${localText(q.text, lang, ctx.definition.defaultLanguage)}</a>
          ${
            stats && 'n' in stats
              ? html`(${t.answered('')}${num(lang, 'count', stats.n, `report.questions.${q.id}.n`)})`
              : html`(<span class="hidden-value">${t.hidden}</span>)`
          }
        </li>`;
      })}
    </ul>`;
}

function caveatsBlock(caveats: WaveCaveats, lang: UiLanguage): SafeHtml {
  const t = RESULTS[lang];
  const sentences: SafeHtml[] = [];
  if (caveats.poolCodes) sentences.push(pluralNum(lang, caveats.poolCodes, t.caveatPoolCodes, 'caveats.poolCodes'));
  if (caveats.hrHeldLinks)
    sentences.push(pluralNum(lang, caveats.hrHeldLinks, t.caveatHrHeldLinks, 'caveats.hrHeldLinks'));
  if (caveats.rosterAdditions)
    sentences.push(pluralNum(lang, caveats.rosterAdditions, t.caveatRosterAdditions, 'caveats.rosterAdditions'));
  if (caveats.revokedInvitations)
    sentences.push(pluralNum(lang, caveats.revokedInvitations, t.caveatRevoked, 'caveats.revokedInvitations'));
  if (caveats.contestedAtLeast !== null)
    sentences.push(pluralNum(lang, caveats.contestedAtLeast, t.caveatContested, 'caveats.contestedAtLeast'));
  if (caveats.heldAnswersAtLeast !== null)
    sentences.push(pluralNum(lang, caveats.heldAnswersAtLeast, t.caveatHeldAnswers, 'caveats.heldAnswersAtLeast'));
  return html`<h2 id="caveats">${t.caveats}</h2>
    ${
      sentences.length
        ? html`<ul class="caveats">
            ${sentences.map((s) => html`<li>${s}</li>`)}
          </ul>`
        : html`<p>${t.noCaveats}</p>`
    }`;
}

export function overviewBody(input: {
  lang: UiLanguage;
  ctx: ReportContext;
  wave: { number: number; status: 'open' | 'closed' };
  report: GroupReport;
  caveats: WaveCaveats;
}): SafeHtml {
  const { lang, ctx, report, caveats } = input;
  const t = RESULTS[lang];
  const open = input.wave.status === 'open';
  const questions = ctx.definition.questions.filter((q) => q.type !== 'text');
  const texts = ctx.definition.questions.filter((q) => q.type === 'text');
  const anyHidden =
    report.suppressed ||
    (!open &&
      (Object.values(report.questions).some((q) => !('n' in q)) ||
        Object.values(report.themes).some((x) => !('favourable' in x))));
  return html`<h2 id="headline">${t.headline}</h2>
    ${headline(report, lang, open)} ${open ? html`<p class="notice">${t.openWave(input.wave.number)}</p>` : ''}
    ${anyHidden ? html`<p class="hint">${t.hiddenExplained(ctx.k)}</p>` : ''}
    ${report.invited === null && !report.suppressed ? html`<p class="hint">${t.withheldExplained(ctx.k)}</p>` : ''}
    ${
      open
        ? ''
        : html`${themesTable(report, lang)} ${driversTable(ctx, report, lang)}
            <h2 id="questions">${t.questions}: ${t.distribution}</h2>
            <ol class="questions">
              ${questions.map((q) => questionBlock(ctx, report, q, lang))}
            </ol>
            ${texts.length ? textQuestions(ctx, report, texts, lang, input.wave.number) : ''}`
    }
    ${caveatsBlock(caveats, lang)}`;
}
