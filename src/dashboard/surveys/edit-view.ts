import { html, type SafeHtml } from '../../pages/html.ts';
import type { UiLanguage } from '../../pages/i18n.ts';
import { QUESTION_TYPES } from '../../surveys/questions.ts';
import { localText } from '../shell/text.ts';
import { deliveryChoices, SCHEDULES } from './create.ts';
import type { SurveyRow } from './detail-view.ts';
import type { EditorState } from './editor.ts';
import { fieldId, errorSummary, inputField, radioGroup, selectField, textareaField } from '../shell/forms.ts';
import type { SurveyStrings } from './strings.ts';

export interface EditInput {
  t: SurveyStrings;
  lang: UiLanguage;
  survey: SurveyRow;
  state: EditorState;
  errors: Record<string, string>;
  dimensions: Array<{ key: string; label: string }>;
  emailEnabled: boolean;
  orgK: number;
  unsaved?: boolean;
}

function questionBlock(input: EditInput, i: number): SafeHtml {
  const { t, state, errors, survey } = input;
  const q = state.questions[i]!;
  const languages = survey.definition.languages;
  const n = `q.${i}`;
  const last = state.questions.length - 1;
  return html`<fieldset class="question-edit" id="${fieldId(n)}">
    <legend>${t.question(i + 1)}</legend>
    <input type="hidden" name="${n}.id" value="${q.id}" />
    <input type="hidden" name="${n}.optionIds" value="${q.optionIds}" />
    <input type="hidden" name="${n}.maxLength" value="${q.maxLength}" />
    ${languages.map((l) =>
      inputField({
        name: `${n}.text.${l}`,
        label: t.questionText(l),
        value: q.text[l],
        error: errors[`${n}.text.${l}`],
        lang: l,
      }),
    )}
    <div class="row">
      ${selectField({
        name: `${n}.type`,
        label: t.type,
        choices: QUESTION_TYPES.map((type) => ({ value: type, label: t.types[type]! })),
        value: q.type,
        error: errors[`${n}.type`],
      })}
      ${inputField({ name: `${n}.theme`, label: t.theme, value: q.theme, error: errors[`${n}.theme`] })}
      <div class="field checkbox">
        <input
          type="checkbox"
          id="${fieldId(`${n}.required`)}"
          name="${n}.required"
          value="yes"
          ${q.required ? html`checked` : ''}
        />
        <label for="${fieldId(`${n}.required`)}">${t.requiredQuestion}</label>
      </div>
    </div>
    <details
      ${q.type === 'single_choice' || q.type === 'multi_choice' || languages.some((l) => errors[`${n}.options.${l}`]) ? html`open` : ''}
    >
      <summary>${t.options('…')}</summary>
      <p class="hint">${t.optionsHint}</p>
      ${languages.map((l) =>
        textareaField({
          name: `${n}.options.${l}`,
          label: t.options(l),
          value: q.options[l],
          error: errors[`${n}.options.${l}`],
          lang: l,
        }),
      )}
    </details>
    <div class="actions">
      <button type="submit" name="action" value="up:${i}" ${i === 0 ? html`disabled` : ''}>
        ${t.moveUp}<span class="visually-hidden">: ${t.question(i + 1)}</span>
      </button>
      <button type="submit" name="action" value="down:${i}" ${i === last ? html`disabled` : ''}>
        ${t.moveDown}<span class="visually-hidden">: ${t.question(i + 1)}</span>
      </button>
      <button type="submit" name="action" value="remove:${i}" class="danger">
        ${t.remove}<span class="visually-hidden">: ${t.question(i + 1)}</span>
      </button>
    </div>
  </fieldset>`;
}

export function editPage(input: EditInput): SafeHtml {
  const { t, lang, survey, state, errors, dimensions } = input;
  const frozen = survey.status !== 'draft';
  const title = localText(survey.definition.title, lang, survey.definition.defaultLanguage);
  const base = `/hr/surveys/${survey.id}`;
  const labels: Record<string, string> = {
    minGroupSize: t.k,
    schedule: t.schedule,
    delivery: t.delivery,
    reminderAfterDays: t.reminderDays,
    questions: t.questionsLabel,
    audience: t.audience,
  };
  survey.definition.languages.forEach((l) => (labels[`title.${l}`] = t.titleLabel(l)));
  state.questions.forEach((_, i) =>
    survey.definition.languages.forEach((l) => {
      labels[`q.${i}.text.${l}`] = `${t.question(i + 1)}, ${t.questionText(l)}`;
      labels[`q.${i}.options.${l}`] = `${t.question(i + 1)}, ${t.options(l)}`;
      labels[`q.${i}.theme`] = `${t.question(i + 1)}, ${t.theme}`;
      labels[`q.${i}.type`] = `${t.question(i + 1)}, ${t.type}`;
    }),
  );
  dimensions.forEach((d) => (labels[`audience.${d.key}`] = `${t.audience}: ${d.label}`));
  const kField = inputField({
    name: 'minGroupSize',
    label: t.k,
    hint: frozen ? undefined : t.kHint(input.orgK),
    type: 'number',
    value: state.minGroupSize,
    error: errors.minGroupSize,
    attributes: html`max="1000" inputmode="numeric"`,
  });
  return html`<p><a href="${base}">${t.cancel}</a></p>
    <h1>${t.editTitle(title)}</h1>
    ${errorSummary(t.fixBelow, errors, labels)}
    ${input.unsaved ? html`<p class="warning" role="status">${t.unsaved}</p>` : ''}
    ${frozen ? html`<p class="hint">${t.frozen}</p>` : ''}
    <form method="post" action="${base}/edit" novalidate class="editor">
      <button type="submit" name="action" value="save" hidden>${t.save}</button>
      ${
        frozen
          ? kField
          : html`${survey.definition.languages.map((l) =>
                inputField({
                  name: `title.${l}`,
                  label: t.titleLabel(l),
                  value: state.title[l],
                  error: errors[`title.${l}`],
                  lang: l,
                }),
              )}
              <h2>${t.questionsLabel}</h2>
              ${errors.questions ? html`<p class="error" id="${fieldId('questions')}">${errors.questions}</p>` : ''}
              ${state.questions.map((_, i) => questionBlock(input, i))}
              <p><button type="submit" name="action" value="add">${t.addQuestion}</button></p>
              <h2>${t.audience}</h2>
              <p class="hint">${t.audienceHint}</p>
              ${errors.audience ? html`<p class="error" id="${fieldId('audience')}">${errors.audience}</p>` : ''}
              ${dimensions.map((d) =>
                inputField({
                  name: `audience.${d.key}`,
                  label: d.label,
                  value: state.audience[d.key],
                  error: errors[`audience.${d.key}`],
                }),
              )}
              <h2>${t.schedule}</h2>
              ${selectField({
                name: 'schedule',
                label: t.schedule,
                choices: SCHEDULES.map((s) => ({ value: s, label: t.schedules[s]! })),
                value: state.schedule,
                error: errors.schedule,
              })}
              ${inputField({
                name: 'reminderAfterDays',
                label: t.reminderDays,
                hint: t.reminderHint,
                type: 'number',
                value: state.reminderAfterDays,
                error: errors.reminderAfterDays,
                attributes: html`min="1" max="60" inputmode="numeric"`,
              })}
              ${radioGroup({
                name: 'delivery',
                legend: t.delivery,
                choices: deliveryChoices(t, input.emailEnabled, survey.delivery),
                value: state.delivery,
                error: errors.delivery,
              })}
              ${kField}`
      }
      <p><button type="submit" name="action" value="save" class="primary">${t.save}</button></p>
    </form>`;
}
