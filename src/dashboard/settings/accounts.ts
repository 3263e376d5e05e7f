import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { accountParams, createAccountBody } from '../../accounts/schemas.ts';
import { createAccount, deleteAccount, listAccounts } from '../../accounts/service.ts';
import { hasRole } from '../../auth/principal.ts';
import type { Role } from '../../db/schema.ts';
import { Conflict, Forbidden, NotFound, ValidationFailed } from '../../errors.ts';
import { html } from '../../pages/html.ts';
import { principalOf, requireRole } from '../../plugins/auth.ts';
import { listDimensions } from '../../roster/service.ts';
import { errorSummary, inputField, type FieldErrors } from '../shell/forms.ts';
import { langOf, sendPage, seeOther } from '../shell/render.ts';
import { SHELL } from '../shell/strings.ts';
import { formatDate } from '../shell/text.ts';
import { roleField } from './role-field.ts';
import { SETTINGS } from './strings.ts';

const doneQuery = z.object({ done: z.enum(['removed']).optional() });
type Values = Record<'email' | 'role' | 'scopeDimension' | 'scopeValue', string>;
const EMPTY: Values = { email: '', role: 'analyst', scopeDimension: '', scopeValue: '' };
const text = (value: unknown) => (typeof value === 'string' ? value.trim() : '');

/** HR accounts (issue 15), as the API's /v1/accounts: admins and owners, signed in in person. */
export const accountRoutes: FastifyPluginAsyncZod = async (app) => {
  const manage = requireRole({ role: 'admin', sessionOnly: true });

  const show = async (
    request: FastifyRequest,
    reply: FastifyReply,
    state: {
      values?: Values;
      errors?: FieldErrors;
      status?: number;
      created?: { email: string; password: string | undefined };
      done?: string | undefined;
    } = {},
  ) => {
    const lang = langOf(request);
    const t = SETTINGS[lang];
    const principal = principalOf(request);
    const [accounts, dimensions] = await Promise.all([
      listAccounts(app.db, principal.orgId),
      listDimensions(app.db, principal.orgId),
    ]);
    const values = state.values ?? EMPTY;
    const errors = state.errors ?? {};
    const roles: Role[] = hasRole(principal, 'owner') ? ['analyst', 'admin', 'owner'] : ['analyst', 'admin'];
    const me = principal.kind === 'session' ? principal.accountId : null;
    const labels = { email: t.email, role: t.role, scopeDimension: t.scopeDimension, scopeValue: t.scopeValue };
    const body = html`<h1>${t.accountsTitle}</h1>
      <p><a href="/hr/settings">${t.title}</a></p>
      ${state.done === 'removed' ? html`<p class="notice" role="status">${t.removed}</p>` : ''}
      ${
        state.created
          ? html`<div class="secret" role="status">
              <p><strong>${t.createdAccount(state.created.email)}</strong></p>
              ${
                state.created.password
                  ? html`<p>${t.passwordOnce}</p>
                      <p>${t.password}: <code data-password>${state.created.password}</code></p>`
                  : ''
              }
            </div>`
          : ''
      }
      <table class="data">
        <thead>
          <tr>
            <th scope="col">${t.email}</th>
            <th scope="col">${t.role}</th>
            <th scope="col">${t.scope}</th>
            <th scope="col">${t.created}</th>
            <th scope="col">${t.actions}</th>
          </tr>
        </thead>
        <tbody>
          ${accounts.map(
            (a) =>
              html`<tr>
                <th scope="row">${a.email}${a.id === me ? html` (${t.you})` : ''}</th>
                <td>${t.roles[a.role] ?? a.role}</td>
                <td>${a.scope ? `${a.scope.dimension} = ${a.scope.value}` : t.everything}</td>
                <td>${formatDate(a.created_at, lang)}</td>
                <td>
                  ${
                    a.id !== me && (a.role !== 'owner' || hasRole(principal, 'owner'))
                      ? html`<a href="/hr/settings/accounts/${a.id}/delete"
                          >${t.remove}<span class="visually-hidden"> ${a.email}</span></a
                        >`
                      : ''
                  }
                </td>
              </tr>`,
          )}
        </tbody>
      </table>
      <h2 id="create-title">${t.createAccount}</h2>
      ${errorSummary(SHELL[lang].fixBelow, errors, labels)}
      <form method="post" action="/hr/settings/accounts" class="stack narrow" aria-labelledby="create-title" novalidate>
        ${inputField({ name: 'email', label: t.email, type: 'email', value: values.email, error: errors.email, required: true, autocomplete: 'off' })}
        ${roleField(t, roles, values.role, errors.role)}
        <fieldset>
          <legend>${t.scopeTitle}</legend>
          <p class="hint">${t.scopeHint}</p>
          <div class="field ${errors.scopeDimension ? 'invalid' : ''}">
            <label for="f-scopeDimension">${t.scopeDimension}</label>
            ${errors.scopeDimension ? html`<p class="error" id="f-scopeDimension-error">${errors.scopeDimension}</p>` : ''}
            <select
              id="f-scopeDimension"
              name="scopeDimension"
              ${errors.scopeDimension ? html`aria-describedby="f-scopeDimension-error" aria-invalid="true"` : ''}
            >
              <option value="">${t.noScope}</option>
              ${dimensions
                .filter((d) => d.reportable)
                .map(
                  (d) =>
                    html`<option value="${d.key}" ${values.scopeDimension === d.key ? html`selected` : ''}>
                      ${d.label}
                    </option>`,
                )}
            </select>
          </div>
          ${inputField({ name: 'scopeValue', label: t.scopeValue, value: values.scopeValue, error: errors.scopeValue })}
        </fieldset>
        <button type="submit" class="primary">${t.create}</button>
      </form>`;
    return sendPage(request, reply, { title: t.accountsTitle, section: 'settings', status: state.status ?? 200, body });
  };

  app.get(
    '/settings/accounts',
    { onRequest: manage, schema: { hide: true, querystring: doneQuery } },
    async (request, reply) => show(request, reply, { done: request.query.done }),
  );

  app.post('/settings/accounts', { onRequest: manage, schema: { hide: true } }, async (request, reply) => {
    const t = SETTINGS[langOf(request)];
    const form = (request.body ?? {}) as Record<string, unknown>;
    const values: Values = {
      email: text(form.email),
      role: text(form.role),
      scopeDimension: text(form.scopeDimension),
      scopeValue: text(form.scopeValue),
    };
    const refuse = (errors: FieldErrors, status = 400) => show(request, reply, { values, errors, status });
    if ((values.scopeDimension === '') !== (values.scopeValue === ''))
      return refuse({ [values.scopeDimension ? 'scopeValue' : 'scopeDimension']: t.scopeBoth });
    // The API's own body schema (POST /v1/accounts); no password: one is generated and shown once.
    const parsed = createAccountBody.safeParse({
      email: values.email,
      role: values.role,
      ...(values.scopeDimension ? { scope: { dimension: values.scopeDimension, value: values.scopeValue } } : {}),
    });
    if (!parsed.success) {
      const errors: FieldErrors = {};
      for (const issue of parsed.error.issues) {
        const field = issue.path[0] === 'scope' ? 'scopeValue' : String(issue.path[0]);
        errors[field] ??= field === 'email' ? t.invalidEmail : SHELL[langOf(request)].invalidField;
      }
      return refuse(errors);
    }
    try {
      const { account, generatedPassword } = await createAccount(app.db, principalOf(request), parsed.data);
      // The password is in this answer only: never in a URL, never cached (PRG would need to keep it).
      reply.header('cache-control', 'no-store');
      return show(request, reply, { created: { email: account.email, password: generatedPassword } });
    } catch (error) {
      if (error instanceof Conflict) return refuse({ email: t.emailTaken }, 409);
      if (error instanceof Forbidden) return refuse({ role: t.ownerByOwner }, 403);
      if (error instanceof ValidationFailed) {
        const field = JSON.stringify(error.extra).includes('scope.dimension') ? 'scopeDimension' : 'role';
        return refuse({ [field]: field === 'role' ? t.scopeAnalystOnly : t.notReportable });
      }
      throw error;
    }
  });

  const removable = async (request: FastifyRequest, id: string) => {
    const account = (await listAccounts(app.db, principalOf(request).orgId)).find((a) => a.id === id);
    if (!account) throw new NotFound('Account');
    return account;
  };

  app.get(
    '/settings/accounts/:id/delete',
    { onRequest: manage, schema: { hide: true, params: accountParams } },
    async (request, reply) => {
      const t = SETTINGS[langOf(request)];
      const account = await removable(request, request.params.id);
      return sendPage(request, reply, {
        title: t.removeTitle,
        section: 'settings',
        body: html`<h1>${t.removeTitle}</h1>
          <p>${t.removeConfirm(account.email)}</p>
          <form method="post" action="/hr/settings/accounts/${account.id}/delete" class="actions">
            <button type="submit" class="danger">${t.removeButton}</button>
            <a href="/hr/settings/accounts">${t.cancel}</a>
          </form>`,
      });
    },
  );

  app.post(
    '/settings/accounts/:id/delete',
    { onRequest: manage, schema: { hide: true, params: accountParams } },
    async (request, reply) => {
      const t = SETTINGS[langOf(request)];
      try {
        await deleteAccount(app.db, principalOf(request), request.params.id);
      } catch (error) {
        if (error instanceof Conflict) {
          const page = html`<h1>${t.removeTitle}</h1>
            <p class="problem">${t.lastOwner}</p>
            <p><a href="/hr/settings/accounts">${t.accountsTitle}</a></p>`;
          return sendPage(request, reply, { title: t.removeTitle, section: 'settings', status: 409, body: page });
        }
        throw error;
      }
      return seeOther(reply, '/hr/settings/accounts?done=removed');
    },
  );
};
