import type { Selectable } from 'kysely';
import type { SurveyTable } from '../../db/schema.ts';
import { html, type SafeHtml } from '../../pages/html.ts';
import { plural } from '../../pages/plural.ts';
import type { UiLanguage } from '../../pages/i18n.ts';
import { formatDate, localText } from '../shell/text.ts';
import { fieldId, inputField, selectField } from '../shell/forms.ts';
import { participationCells, type Participation } from './participation.ts';
import type { SurveyStrings } from './strings.ts';

export type SurveyRow = Pick<
  Selectable<SurveyTable>,
  | 'id'
  | 'status'
  | 'definition'
  | 'delivery'
  | 'schedule'
  | 'min_group_size'
  | 'reminder_after_days'
  | 'template'
  | 'created_at'
  | 'reporting'
>;

export interface WaveRow {
  number: number;
  status: 'open' | 'closed';
  opened_on: string;
  closed_on: string | null;
}

export interface DetailState {
  notice?: SafeHtml | string | undefined;
  problem?: string | undefined;
  errors?: Record<string, string>;
  values?: Record<string, string>;
}

export interface DetailInput {
  t: SurveyStrings;
  lang: UiLanguage;
  survey: SurveyRow;
  waves: WaveRow[];
  participation: Participation[] | null;
  canAct: boolean;
  /** Declared dimensions a code pool's segment may name. */
  dimensions: Array<{ key: string; label: string }>;
  state: DetailState;
}

function facts({ t, lang, survey }: DetailInput): SafeHtml {
  const reporting = survey.reporting;
  const commentK = Math.max(survey.min_group_size, reporting?.commentMinGroupSize ?? 0);
  return html`<section aria-labelledby="facts-title">
    <h2 id="facts-title">${t.facts}</h2>
    <dl class="facts">
      <dt>${t.status}</dt>
      <dd><span class="status status-${survey.status}">${t.statuses[survey.status] ?? survey.status}</span></dd>
      <dt>${t.delivery}</dt>
      <dd>${t.deliveries[survey.delivery] ?? survey.delivery}</dd>
      <dt>${t.schedule}</dt>
      <dd>${t.schedules[survey.schedule ?? 'none']}</dd>
      <dt>${t.reminderDays}</dt>
      <dd>${survey.reminder_after_days === null ? t.noReminder : plural(lang, survey.reminder_after_days, t.days)}</dd>
      <dt>${t.k}</dt>
      <dd>${survey.min_group_size}</dd>
      <dt>${t.comment}</dt>
      <dd>${reporting ? t.commentValue(commentK) : t.fixedAtOpening}</dd>
      <dt>${t.dimensions}</dt>
      <dd>${reporting ? reporting.dimensions.join(', ') || t.noneValue : t.fixedAtOpening}</dd>
      <dt>${t.pairs}</dt>
      <dd>
        ${reporting ? reporting.pairs.map(([a, b]) => `${a} × ${b}`).join(', ') || t.noneValue : t.fixedAtOpening}
      </dd>
      <dt>${t.questionsLabel}</dt>
      <dd>
        ${plural(lang, survey.definition.questions.length, t.questions)} · ${survey.definition.languages.join(', ')}
      </dd>
      <dt>${t.templateUsed}</dt>
      <dd>${survey.template ?? t.noneValue}</dd>
      <dt>${t.created}</dt>
      <dd>${formatDate(survey.created_at, lang)}</dd>
    </dl>
  </section>`;
}

function waveTable({ t, lang, waves, participation }: DetailInput): SafeHtml {
  if (waves.length === 0)
    return html`<h2>${t.waves}</h2>
      <p>${t.noWaves}</p>`;
  return html`<h2 id="waves-title">${t.waves}</h2>
    <table class="data" aria-labelledby="waves-title">
      <thead>
        <tr>
          <th scope="col">${t.wave}</th>
          <th scope="col">${t.status}</th>
          <th scope="col">${t.opened}</th>
          <th scope="col">${t.closed}</th>
          <th scope="col">${t.respondents}</th>
          <th scope="col">${t.invited}</th>
          <th scope="col">${t.rate}</th>
        </tr>
      </thead>
      <tbody>
        ${waves.map(
          (w) =>
            html`<tr>
              <th scope="row">${w.number}</th>
              <td><span class="status status-${w.status}">${t.statuses[w.status]}</span></td>
              <td>${formatDate(w.opened_on, lang)}</td>
              <td>${w.closed_on ? formatDate(w.closed_on, lang) : '—'}</td>
              ${participationCells(participation === null ? null : participation.find((p) => p.wave === w.number), t, lang)}
            </tr>`,
        )}
      </tbody>
    </table>`;
}

function actions(input: DetailInput): SafeHtml {
  const { t, survey, waves, state, dimensions } = input;
  const errors = state.errors ?? {};
  const values = state.values ?? {};
  const base = `/hr/surveys/${survey.id}`;
  const open = waves.some((w) => w.status === 'open');
  if (survey.status === 'closed') return html``;
  return html`<section aria-labelledby="actions-title" class="survey-actions">
    <h2 id="actions-title">${t.actions}</h2>
    <div class="action">
      <h3>${t.openWave}</h3>
      ${survey.delivery === 'download' ? html`<p class="warning">${t.openDownloadNote}</p>` : ''}
      <div class="actions">
        ${survey.status === 'draft' ? html`<a class="button" href="${base}/edit">${t.edit}</a>` : html`<a class="button" href="${base}/edit">${t.raiseK}</a>`}
        <form method="post" action="${base}/waves">
          <input type="hidden" name="wave" value="${waves.length + 1}" />
          <button type="submit" class="primary">${waves.length === 0 ? t.openFirst : t.openNext}</button>
        </form>
      </div>
    </div>
    ${
      open
        ? html`<div class="action">
              <h3>${t.codePool}</h3>
              <p>${t.codePoolNote}</p>
              <form method="post" action="${base}/code-sheet" novalidate class="code-pool">
                ${inputField({
                  name: 'count',
                  label: t.count,
                  type: 'number',
                  value: values.count ?? '',
                  error: errors.count,
                  attributes: html`min="1" max="1000" inputmode="numeric"`,
                })}
                ${selectField({
                  name: 'segmentDimension',
                  label: t.segment,
                  choices: [{ value: '', label: '—' }, ...dimensions.map((d) => ({ value: d.key, label: d.label }))],
                  value: values.segmentDimension,
                  error: errors.segmentDimension,
                })}
                ${inputField({ name: 'segmentValue', label: t.segmentValue(t.segment), value: values.segmentValue, error: errors.segmentValue })}
                <p><button type="submit">${t.makeSheet}</button></p>
              </form>
            </div>
            <div class="action">
              <h3>${t.reminders}</h3>
              <p>${t.remindNote}</p>
              <form method="post" action="${base}/reminders"><button type="submit">${t.remind}</button></form>
            </div>`
        : ''
    }
    ${
      survey.status === 'open'
        ? html`<div class="action">
            <h3>${t.close}</h3>
            <p>${t.closeNote}</p>
            <form method="post" action="${base}/close" novalidate>
              <div class="field checkbox ${errors.confirm ? 'invalid' : ''}">
                ${errors.confirm ? html`<p class="error" id="${fieldId('confirm')}-error">${errors.confirm}</p>` : ''}
                <input
                  type="checkbox"
                  id="${fieldId('confirm')}"
                  name="confirm"
                  value="yes"
                  ${errors.confirm ? html`aria-describedby="${fieldId('confirm')}-error" aria-invalid="true"` : ''}
                />
                <label for="${fieldId('confirm')}">${t.closeConfirm}</label>
              </div>
              <p><button type="submit" class="danger">${t.close}</button></p>
            </form>
          </div>`
        : ''
    }
  </section>`;
}

export function detailPage(input: DetailInput): SafeHtml {
  const { t, lang, survey, state, canAct } = input;
  const title = localText(survey.definition.title, lang, survey.definition.defaultLanguage);
  return html`<p><a href="/hr/surveys">${t.listTitle}</a></p>
    <h1>${title}</h1>
    ${state.notice ? html`<div class="notice" role="status">${state.notice}</div>` : ''}
    ${state.problem ? html`<div class="problem" role="alert">${state.problem}</div>` : ''} ${facts(input)}
    ${waveTable(input)} ${canAct ? actions(input) : html`<p class="hint">${t.readOnly}</p>`}`;
}
