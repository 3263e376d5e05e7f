import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createApiKey, listApiKeys, revokeApiKey } from '../../api-keys/service.ts';
import { storableText } from '../../db/text.ts';
import { html } from '../../pages/html.ts';
import { principalOf, requireRole } from '../../plugins/auth.ts';
import { errorSummary, parseForm, inputField, type FieldErrors } from '../shell/forms.ts';
import { langOf, sendPage, seeOther } from '../shell/render.ts';
import { SHELL } from '../shell/strings.ts';
import { formatDate } from '../shell/text.ts';
import { roleField } from './role-field.ts';
import { SETTINGS } from './strings.ts';

const doneQuery = z.object({ done: z.enum(['revoked']).optional() });
// As POST /v1/api-keys: a name, and a role that is never owner.
const keyForm = z.object({ name: storableText(100).trim().min(1), role: z.enum(['admin', 'analyst']) });
const keyParams = z.object({ id: z.uuid() });

/** API keys (issue 15), as the API's /v1/api-keys: only a signed-in admin makes or revokes them. */
export const apiKeyRoutes: FastifyPluginAsyncZod = async (app) => {
  const manage = requireRole({ role: 'admin', sessionOnly: true });

  const show = async (
    request: FastifyRequest,
    reply: FastifyReply,
    state: {
      values?: { name: string; role: string };
      errors?: FieldErrors;
      status?: number;
      created?: { name: string; key: string };
      done?: string | undefined;
    } = {},
  ) => {
    const lang = langOf(request);
    const t = SETTINGS[lang];
    const keys = await listApiKeys(app.db, principalOf(request).orgId);
    const values = state.values ?? { name: '', role: 'analyst' };
    const errors = state.errors ?? {};
    const body = html`<h1>${t.apiKeysTitle}</h1>
      <p><a href="/hr/settings">${t.title}</a></p>
      <p class="hint">${t.apiKeysIntro}</p>
      ${state.done === 'revoked' ? html`<p class="notice" role="status">${t.keyRevoked}</p>` : ''}
      ${
        state.created
          ? html`<div class="secret" role="status">
              <p><strong>${t.keyCreated(state.created.name)}</strong></p>
              <p>${t.keyOnce}</p>
              <code data-key>${state.created.key}</code>
            </div>`
          : ''
      }
      ${
        keys.length === 0
          ? html`<p>${t.noKeys}</p>`
          : html`<table class="data">
              <thead>
                <tr>
                  <th scope="col">${t.keyName}</th>
                  <th scope="col">${t.role}</th>
                  <th scope="col">${t.created}</th>
                  <th scope="col">${t.keyState}</th>
                  <th scope="col">${t.actions}</th>
                </tr>
              </thead>
              <tbody>
                ${keys.map(
                  (k) =>
                    html`<tr>
                      <th scope="row">${k.name}</th>
                      <td>${t.roles[k.role] ?? k.role}</td>
                      <td>${formatDate(k.created_at, lang)}</td>
                      <td>${k.revoked_at ? t.revokedKey(formatDate(k.revoked_at, lang)) : t.activeKey}</td>
                      <td>
                        ${
                          k.revoked_at
                            ? ''
                            : html`<form
                                method="post"
                                action="/hr/settings/api-keys/${k.id}/revoke"
                                class="inline-form"
                              >
                                <button type="submit" class="danger">
                                  ${t.revoke}<span class="visually-hidden"> ${k.name}</span>
                                </button>
                              </form>`
                        }
                      </td>
                    </tr>`,
                )}
              </tbody>
            </table>`
      }
      <h2 id="create-key">${t.createKey}</h2>
      ${errorSummary(SHELL[lang].fixBelow, errors, { name: t.keyName, role: t.role })}
      <form method="post" action="/hr/settings/api-keys" class="stack narrow" aria-labelledby="create-key" novalidate>
        ${inputField({ name: 'name', label: t.keyName, value: values.name, error: errors.name, required: true, autocomplete: 'off' })}
        ${roleField(t, ['analyst', 'admin'] as const, values.role, errors.role)}
        <button type="submit" class="primary">${t.createKeyButton}</button>
      </form>`;
    return sendPage(request, reply, { title: t.apiKeysTitle, section: 'settings', status: state.status ?? 200, body });
  };

  app.get(
    '/settings/api-keys',
    { onRequest: manage, schema: { hide: true, querystring: doneQuery } },
    async (request, reply) => show(request, reply, { done: request.query.done }),
  );

  app.post('/settings/api-keys', { onRequest: manage, schema: { hide: true } }, async (request, reply) => {
    const lang = langOf(request);
    const form = (request.body ?? {}) as Record<string, unknown>;
    const values = {
      name: typeof form.name === 'string' ? form.name : '',
      role: typeof form.role === 'string' ? form.role : '',
    };
    const parsed = parseForm(keyForm, values, (issue) =>
      issue.path[0] === 'name' && issue.code === 'too_small' ? SHELL[lang].requiredField : SHELL[lang].invalidField,
    );
    if (!parsed.ok) return show(request, reply, { values, errors: parsed.errors, status: 400 });
    const created = await createApiKey(app.db, app.keys, principalOf(request).orgId, parsed.value);
    // The key is in this answer only: never in a URL, never cached.
    reply.header('cache-control', 'no-store');
    return show(request, reply, { created: { name: created.name, key: created.key } });
  });

  app.post(
    '/settings/api-keys/:id/revoke',
    { onRequest: manage, schema: { hide: true, params: keyParams } },
    async (request, reply) => {
      await revokeApiKey(app.db, principalOf(request).orgId, request.params.id);
      return seeOther(reply, '/hr/settings/api-keys?done=revoked');
    },
  );
};
