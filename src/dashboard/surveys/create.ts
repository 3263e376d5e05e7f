import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ValidationFailed } from '../../errors.ts';
import { getOrganization } from '../../orgs/service.ts';
import { html, type SafeHtml } from '../../pages/html.ts';
import { STRINGS, UI_LANGUAGES, type UiLanguage } from '../../pages/i18n.ts';
import { plural } from '../../pages/plural.ts';
import { field as questionField } from '../../pages/views.ts';
import { principalOf, requireRole } from '../../plugins/auth.ts';
import { localizeDefinition } from '../../responses/service.ts';
import { createSurveyBody } from '../../surveys/schemas.ts';
import { createSurvey } from '../../surveys/service.ts';
import { findTemplate, TEMPLATES } from '../../surveys/templates.ts';
import { langOf, sendPage, seeOther } from '../shell/render.ts';
import { localText } from '../shell/text.ts';
import { errorSummary, formOf, inputField, numberOrNull, radioGroup, selectField } from '../shell/forms.ts';
import { SURVEYS, type SurveyStrings } from './strings.ts';

type Values = Record<string, string>;

export const SCHEDULES = ['none', 'weekly', 'biweekly', 'monthly'] as const;

/** Delivery choices, download last and labelled weaker (SPEC P7: HR then holds named links). */
export function deliveryChoices(t: SurveyStrings, emailEnabled: boolean, current?: string) {
  return (['email', 'codes', 'download'] as const).map((d) => ({
    value: d,
    label: t.deliveries[d]!,
    hint: d === 'email' && !emailEnabled ? `${t.deliveryHints[d]} ${t.emailUnavailable}` : t.deliveryHints[d]!,
    // A draft already set to e-mail keeps its choice selectable (a disabled radio would not be sent).
    disabled: d === 'email' && !emailEnabled && current !== 'email',
  }));
}

/** Maps a problem of the API's schema or service ("body.minGroupSize", ["minGroupSize"]) to a field. */
export function fieldOfPath(path: ReadonlyArray<PropertyKey> | string): string {
  const parts = typeof path === 'string' ? path.replace(/^body\./, '').split('.') : path.map(String);
  return parts[0] ?? '_form';
}

function newSurveyPage(
  t: SurveyStrings,
  lang: UiLanguage,
  values: Values,
  errors: Record<string, string>,
  orgK: number,
  emailEnabled: boolean,
): SafeHtml {
  const labels = {
    template: t.template,
    delivery: t.delivery,
    schedule: t.schedule,
    reminderAfterDays: t.reminderDays,
    minGroupSize: t.k,
  } as Record<string, string>;
  return html`<h1>${t.newTitle}</h1>
    ${errorSummary(t.fixBelow, errors, labels)}
    <form method="post" action="/hr/surveys/new" novalidate>
      <fieldset class="field templates ${errors.template ? 'invalid' : ''}" id="f-template">
        <legend>${t.template}</legend>
        ${errors.template ? html`<p class="error" id="f-template-error">${errors.template}</p>` : ''}
        ${TEMPLATES.map((tpl, i) => {
          const id = `f-template-${i}`;
          const title = localText(tpl.definition.title, lang, tpl.definition.defaultLanguage);
          return html`<div class="choice template">
            <input
              type="radio"
              id="${id}"
              name="template"
              value="${tpl.key}"
              aria-describedby="${id}-hint"
              ${values.template === tpl.key ? html`checked` : ''}
            />
            <label for="${id}">${title}</label>
            <p class="hint" id="${id}-hint">
              ${plural(lang, tpl.definition.questions.length, t.questions)} · ${t.preview}:
              ${UI_LANGUAGES.map(
                (l, j) =>
                  html`${j ? ' · ' : ''}<a
                      href="/hr/templates/preview?template=${tpl.key}&amp;lang=${l}"
                      lang="${l}"
                      hreflang="${l}"
                      aria-label="${t.previewIn(STRINGS[l].languageName)}: ${title}"
                      >${STRINGS[l].languageName}</a
                    >`,
              )}
            </p>
          </div>`;
        })}
      </fieldset>
      ${radioGroup({
        name: 'delivery',
        legend: t.delivery,
        choices: deliveryChoices(t, emailEnabled),
        value: values.delivery,
        error: errors.delivery,
      })}
      ${selectField({
        name: 'schedule',
        label: t.schedule,
        choices: SCHEDULES.map((s) => ({ value: s, label: t.schedules[s]! })),
        value: values.schedule,
        error: errors.schedule,
      })}
      ${inputField({
        name: 'reminderAfterDays',
        label: t.reminderDays,
        hint: t.reminderHint,
        type: 'number',
        value: values.reminderAfterDays,
        error: errors.reminderAfterDays,
        attributes: html`min="1" max="60" inputmode="numeric"`,
      })}
      ${inputField({
        name: 'minGroupSize',
        label: t.k,
        hint: t.kHint(orgK),
        type: 'number',
        value: values.minGroupSize,
        error: errors.minGroupSize,
        attributes: html`min="${orgK}" max="1000" inputmode="numeric"`,
      })}
      <p><button type="submit" class="primary">${t.create}</button></p>
    </form>`;
}

/** The form's fields as the API's create body, so the API's own schema judges them. */
function createBodyOf(values: Values) {
  return {
    template: values.template || undefined,
    delivery: values.delivery || undefined,
    schedule: values.schedule === 'none' ? null : values.schedule,
    reminderAfterDays: numberOrNull(values.reminderAfterDays ?? ''),
    minGroupSize: numberOrNull(values.minGroupSize ?? '') ?? undefined,
  };
}

export const createSurveyRoutes: FastifyPluginAsyncZod = async (app) => {
  const admin = requireRole({ role: 'admin' });
  const emailEnabled = () => app.config.smtpUrl !== null;

  app.get('/surveys/new', { onRequest: admin, schema: { hide: true } }, async (request, reply) => {
    const t = SURVEYS[langOf(request)];
    const orgK = (await getOrganization(app.db, principalOf(request).orgId)).min_group_size;
    const values = {
      template: TEMPLATES[0]!.key,
      delivery: emailEnabled() ? 'email' : 'codes',
      schedule: 'none',
      reminderAfterDays: '',
      minGroupSize: String(orgK),
    };
    return sendPage(request, reply, {
      title: t.newTitle,
      section: 'surveys',
      body: newSurveyPage(t, langOf(request), values, {}, orgK, emailEnabled()),
    });
  });

  app.post('/surveys/new', { onRequest: admin, schema: { hide: true } }, async (request, reply) => {
    const lang = langOf(request);
    const t = SURVEYS[lang];
    const { orgId } = principalOf(request);
    const orgK = (await getOrganization(app.db, orgId)).min_group_size;
    const values = formOf(request.body);
    const errors: Record<string, string> = {};
    const parsed = createSurveyBody.safeParse(createBodyOf(values));
    if (!parsed.success) for (const issue of parsed.error.issues) errors[fieldOfPath(issue.path)] ??= t.invalid;
    else if (!parsed.data.template || !findTemplate(parsed.data.template)) errors.template = t.required;
    else if (parsed.data.delivery === 'email' && !emailEnabled()) errors.delivery = t.emailUnavailable;
    if (errors.minGroupSize) errors.minGroupSize = t.between(orgK, 1000);
    if (parsed.success && Object.keys(errors).length === 0) {
      try {
        const survey = await createSurvey(app.db, orgId, parsed.data, emailEnabled() ? 'email' : 'codes');
        return seeOther(reply, `/hr/surveys/${survey.id}?done=created`);
      } catch (error) {
        if (!(error instanceof ValidationFailed)) throw error;
        for (const problem of (error.extra.errors ?? []) as Array<{ field: string }>)
          errors[fieldOfPath(problem.field)] =
            fieldOfPath(problem.field) === 'minGroupSize' ? t.tooLow(orgK) : t.invalid;
      }
    }
    return sendPage(request, reply, {
      title: t.newTitle,
      section: 'surveys',
      status: 400,
      body: newSurveyPage(t, lang, values, errors, orgK, emailEnabled()),
    });
  });

  app.get(
    '/templates/preview',
    {
      onRequest: requireRole({ role: 'analyst' }),
      schema: {
        hide: true,
        querystring: z.object({
          template: z.string().max(60).default(TEMPLATES[0]!.key),
          lang: z.enum(UI_LANGUAGES).optional(),
        }),
      },
    },
    async (request, reply) => {
      const t = SURVEYS[langOf(request)];
      const template = findTemplate(request.query.template);
      if (!template) throw new ValidationFailed([{ field: 'template', message: 'is not a known template' }]);
      const lang = request.query.lang ?? langOf(request);
      const orgK = (await getOrganization(app.db, principalOf(request).orgId)).min_group_size;
      // The employee's own rendering (pages/views.ts), in the employee's strings of that language.
      const language = template.definition.languages.includes(lang) ? lang : template.definition.defaultLanguage;
      const survey = localizeDefinition(template.definition, orgK, language);
      const employee = STRINGS[lang];
      return sendPage(request, reply, {
        title: t.previewTitle(survey.title),
        section: 'surveys',
        body: html`<h1>${t.previewTitle(localText(template.definition.title, langOf(request), 'en'))}</h1>
          <p>${t.previewNote}</p>
          <nav aria-label="${t.previewLanguages}">
            <ul class="inline">
              ${UI_LANGUAGES.map(
                (l) =>
                  html`<li>
                    <a
                      href="/hr/templates/preview?template=${template.key}&amp;lang=${l}"
                      lang="${l}"
                      hreflang="${l}"
                      ${l === lang ? html`aria-current="true"` : ''}
                      >${STRINGS[l].languageName}</a
                    >
                  </li>`,
              )}
            </ul>
          </nav>
          <section class="preview" lang="${survey.language}" aria-labelledby="preview-title">
            <h2 id="preview-title">${survey.title}</h2>
            <fieldset disabled class="preview-questions">
              <legend class="visually-hidden">${t.preview}</legend>
              ${survey.questions.map((q) => questionField(employee, q, undefined, undefined, undefined))}
            </fieldset>
          </section>
          <p><a href="/hr/surveys/new">${t.newTitle}</a></p>`,
      });
    },
  );
};
