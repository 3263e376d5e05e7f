import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { hasRole } from '../../auth/principal.ts';
import type { Organization } from '../../db/schema.ts';
import { html } from '../../pages/html.ts';
import { UI_LANGUAGES, type UiLanguage } from '../../pages/i18n.ts';
import { toOrganizationResponse, updateOrganizationBody } from '../../orgs/schemas.ts';
import { getOrganization, updateOrganization } from '../../orgs/service.ts';
import { principalOf, requireRole } from '../../plugins/auth.ts';
import { errorSummary, parseForm, inputField, type FieldErrors } from '../shell/forms.ts';
import { langOf, sendPage, seeOther } from '../shell/render.ts';
import { SHELL } from '../shell/strings.ts';
import { accountRoutes } from './accounts.ts';
import { apiKeyRoutes } from './api-keys.ts';
import { auditRoutes } from './audit.ts';
import { SETTINGS, type SettingsStrings } from './strings.ts';

const doneQuery = z.object({ done: z.enum(['saved']).optional() });
type Values = Record<'name' | 'defaultLanguage' | 'minGroupSize' | 'commentMinGroupSize', string>;

/** A whole number as typed, or NaN (which the API's schema refuses as not a number). */
const wholeNumber = (value: string) => (/^\s*-?\d{1,9}\s*$/.test(value) ? Number(value) : Number.NaN);
const text = (value: unknown) => (typeof value === 'string' ? value : '');

function messageOf(t: SettingsStrings, issue: z.core.$ZodIssue): string {
  if (issue.path[0] === 'name') return issue.code === 'too_big' ? t.tooLong : t.required;
  if (issue.code === 'too_small') return t.kTooSmall;
  if (issue.code === 'too_big') return t.kTooLarge;
  return t.wholeNumber;
}

function valuesOf(org: Organization): Values {
  const o = toOrganizationResponse(org);
  return {
    name: o.name,
    defaultLanguage: o.defaultLanguage ?? '',
    minGroupSize: String(o.minGroupSize),
    commentMinGroupSize: o.commentMinGroupSize === null ? '' : String(o.commentMinGroupSize),
  };
}

/** Settings (issue 15): the organization as the API's GET/PATCH /v1/organization, and links to access. */
export const settingsRoutes: FastifyPluginAsyncZod = async (app) => {
  const show = async (
    request: FastifyRequest,
    reply: FastifyReply,
    state: { values?: Values; errors?: FieldErrors; status?: number; done?: boolean } = {},
  ) => {
    const lang = langOf(request);
    const t = SETTINGS[lang];
    const principal = principalOf(request);
    const org = await getOrganization(app.db, principal.orgId);
    const values = state.values ?? valuesOf(org);
    const errors = state.errors ?? {};
    const labels = {
      name: t.name,
      defaultLanguage: t.defaultLanguage,
      minGroupSize: t.k,
      commentMinGroupSize: t.commentK,
    };
    const isOwner = hasRole(principal, 'owner');
    const body = html`<h1>${t.title}</h1>
      ${state.done ? html`<p class="notice" role="status">${t.saved}</p>` : ''}
      <h2>${t.orgTitle}</h2>
      ${errorSummary(SHELL[lang].fixBelow, errors, labels)}
      <dl class="facts">
        <dt>${t.slug}</dt>
        <dd><code>${org.slug}</code></dd>
      </dl>
      ${isOwner ? orgForm(lang, values, errors) : orgFacts(lang, values)}
      ${
        hasRole(principal, 'admin')
          ? html`<h2>${t.manageTitle}</h2>
              <ul class="settings-links">
                <li><a href="/hr/settings/accounts">${t.accountsLink}</a></li>
                <li><a href="/hr/settings/api-keys">${t.apiKeysLink}</a></li>
                <li><a href="/hr/settings/audit">${t.auditLink}</a></li>
              </ul>`
          : ''
      }`;
    return sendPage(request, reply, { title: t.title, section: 'settings', status: state.status ?? 200, body });
  };

  app.get(
    '/settings',
    { onRequest: requireRole({ role: 'analyst' }), schema: { hide: true, querystring: doneQuery } },
    async (request, reply) => show(request, reply, { done: request.query.done === 'saved' }),
  );

  app.post(
    '/settings',
    { onRequest: requireRole({ role: 'owner' }), schema: { hide: true } },
    async (request, reply) => {
      const t = SETTINGS[langOf(request)];
      const form = (request.body ?? {}) as Record<string, unknown>;
      const values: Values = {
        name: text(form.name),
        defaultLanguage: text(form.defaultLanguage),
        minGroupSize: text(form.minGroupSize),
        commentMinGroupSize: text(form.commentMinGroupSize),
      };
      // The API's own body schema (PATCH /v1/organization): k never below 3, the same languages.
      const parsed = parseForm(
        updateOrganizationBody,
        {
          name: values.name,
          defaultLanguage: values.defaultLanguage === '' ? null : values.defaultLanguage,
          minGroupSize: wholeNumber(values.minGroupSize),
          commentMinGroupSize:
            values.commentMinGroupSize.trim() === '' ? null : wholeNumber(values.commentMinGroupSize),
        },
        (issue) => messageOf(t, issue),
      );
      if (!parsed.ok) return show(request, reply, { values, errors: parsed.errors, status: 400 });
      await updateOrganization(app.db, principalOf(request).orgId, parsed.value);
      return seeOther(reply, '/hr/settings?done=saved');
    },
  );

  await app.register(accountRoutes);
  await app.register(apiKeyRoutes);
  await app.register(auditRoutes);
};

function orgForm(lang: UiLanguage, values: Values, errors: FieldErrors) {
  const t = SETTINGS[lang];
  const langError = errors.defaultLanguage;
  return html`<p class="warning">${t.frozen}</p>
    <form method="post" action="/hr/settings" class="stack narrow" novalidate>
      ${inputField({ name: 'name', label: t.name, value: values.name, error: errors.name, required: true, hint: t.nameHint })}
      <div class="field ${langError ? 'invalid' : ''}">
        <label for="f-defaultLanguage">${t.defaultLanguage}</label>
        <p class="hint" id="f-defaultLanguage-hint">${t.defaultLanguageHint}</p>
        ${langError ? html`<p class="error" id="f-defaultLanguage-error">${langError}</p>` : ''}
        <select
          id="f-defaultLanguage"
          name="defaultLanguage"
          aria-describedby="f-defaultLanguage-hint${langError ? ' f-defaultLanguage-error' : ''}"
        >
          <option value="" ${values.defaultLanguage === '' ? html`selected` : ''}>${t.surveyDefault}</option>
          ${UI_LANGUAGES.map(
            (l) =>
              html`<option value="${l}" lang="${l}" ${values.defaultLanguage === l ? html`selected` : ''}>
                ${t.languages[l]}
              </option>`,
          )}
        </select>
      </div>
      ${inputField({
        name: 'minGroupSize',
        label: t.k,
        value: values.minGroupSize,
        error: errors.minGroupSize,
        type: 'number',
        required: true,
        hint: t.kHint,
        attributes: html`min="3" max="1000" step="1" inputmode="numeric"`,
      })}
      ${inputField({
        name: 'commentMinGroupSize',
        label: t.commentK,
        value: values.commentMinGroupSize,
        error: errors.commentMinGroupSize,
        type: 'number',
        hint: t.commentKHint,
        attributes: html`min="3" max="1000" step="1" inputmode="numeric"`,
      })}
      <button type="submit" class="primary">${t.save}</button>
    </form>`;
}

function orgFacts(lang: UiLanguage, values: Values) {
  const t = SETTINGS[lang];
  return html`<dl class="facts">
      <dt>${t.name}</dt>
      <dd>${values.name}</dd>
      <dt>${t.defaultLanguage}</dt>
      <dd>${values.defaultLanguage ? t.languages[values.defaultLanguage] : t.surveyDefault}</dd>
      <dt>${t.k}</dt>
      <dd data-k>${values.minGroupSize}</dd>
      <dt>${t.commentK}</dt>
      <dd>${values.commentMinGroupSize || t.sameAsK}</dd>
    </dl>
    <p class="hint">${t.ownerOnly}</p>`;
}
