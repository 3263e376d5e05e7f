import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listAuditEntries, type AuditEntry } from '../../audit/service.ts';
import { html } from '../../pages/html.ts';
import type { UiLanguage } from '../../pages/i18n.ts';
import { principalOf, requireRole } from '../../plugins/auth.ts';
import { langOf, sendPage } from '../shell/render.ts';
import { SETTINGS } from './strings.ts';

const PAGE = 50;
const auditQuery = z.object({ before: z.coerce.number().int().positive().optional() });

const when = (at: Date, lang: UiLanguage) =>
  new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'UTC' }).format(at) + ' UTC';

/** Details as recorded: field names and thresholds only (audit/plugin.ts), shown as key: value. */
const detailsOf = (details: Record<string, unknown>) =>
  Object.entries(details)
    .map(
      ([key, value]) =>
        `${key}: ${Array.isArray(value) ? value.map((v) => (Array.isArray(v) ? v.join('×') : String(v))).join(', ') : String(value)}`,
    )
    .join('; ');

/** The audit log (issue 15): the same entries as GET /v1/audit, newest first, paged by id. */
export const auditRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/settings/audit',
    { onRequest: requireRole({ role: 'admin' }), schema: { hide: true, querystring: auditQuery } },
    async (request, reply) => {
      const lang = langOf(request);
      const t = SETTINGS[lang];
      const entries = await listAuditEntries(app.db, principalOf(request).orgId, PAGE + 1, request.query.before);
      const page = entries.slice(0, PAGE);
      const older = entries.length > PAGE ? page[page.length - 1]!.id : null;
      const actor = (e: AuditEntry) =>
        html`${e.actor.name ?? t.deleted}${e.actor.kind === 'api-key' ? html` <span class="hint">(${t.apiKey})</span>` : ''}`;
      return sendPage(request, reply, {
        title: t.auditTitle,
        section: 'settings',
        body: html`<h1>${t.auditTitle}</h1>
          <p><a href="/hr/settings">${t.title}</a></p>
          <p class="hint">${t.auditIntro}</p>
          ${
            page.length === 0
              ? html`<p>${t.noEntries}</p>`
              : html`<table class="data" id="audit">
                  <thead>
                    <tr>
                      <th scope="col">${t.at}</th>
                      <th scope="col">${t.actor}</th>
                      <th scope="col">${t.action}</th>
                      <th scope="col">${t.target}</th>
                      <th scope="col">${t.details}</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${page.map(
                      (e) =>
                        html`<tr>
                          <th scope="row"><time datetime="${e.at.toISOString()}">${when(e.at, lang)}</time></th>
                          <td>${actor(e)}</td>
                          <td><code>${e.action}</code></td>
                          <td>${e.target ?? ''}</td>
                          <td class="audit-details">${detailsOf(e.details)}</td>
                        </tr>`,
                    )}
                  </tbody>
                </table>`
          }
          <nav class="pager" aria-label="${t.auditTitle}">
            <ul>
              ${request.query.before !== undefined ? html`<li><a href="/hr/settings/audit">${t.newest}</a></li>` : ''}
              ${older !== null ? html`<li><a href="/hr/settings/audit?before=${older}">${t.older}</a></li>` : ''}
            </ul>
          </nav>`,
      });
    },
  );
};
