import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { html } from '../../pages/html.ts';
import { principalOf, requireRole } from '../../plugins/auth.ts';
import { listSurveys, listWaves } from '../../surveys/service.ts';
import { langOf, sendPage } from '../shell/render.ts';
import { formatDate, localText } from '../shell/text.ts';
import { SURVEYS } from './strings.ts';

/** The landing page: every survey of the organization with its status. */
export const surveyListRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/surveys',
    { onRequest: requireRole({ role: 'analyst' }), schema: { hide: true } },
    async (request, reply) => {
      const lang = langOf(request);
      const t = SURVEYS[lang];
      const orgId = principalOf(request).orgId;
      const surveys = await listSurveys(app.db, orgId);
      const waves = await Promise.all(surveys.map((s) => listWaves(app.db, orgId, s.id)));
      const rows = surveys.map((s, i) => {
        const title = localText(s.definition.title, lang, s.definition.defaultLanguage);
        return html`<tr>
          <th scope="row"><a href="/hr/surveys/${s.id}">${title}</a></th>
          <td><span class="status status-${s.status}">${t.statuses[s.status] ?? s.status}</span></td>
          <td>${t.deliveries[s.delivery] ?? s.delivery}</td>
          <td class="num">${waves[i]!.length}</td>
          <td>${formatDate(s.created_at, lang)}</td>
          <td>${waves[i]!.length > 0 ? html`<a href="/hr/surveys/${s.id}/results">${t.results}</a>` : ''}</td>
        </tr>`;
      });
      return sendPage(request, reply, {
        title: t.listTitle,
        section: 'surveys',
        body: html`<h1>${t.listTitle}</h1>
          ${
            surveys.length === 0
              ? html`<p>${t.none}</p>`
              : html`<table class="data">
                  <thead>
                    <tr>
                      <th scope="col">${t.title}</th>
                      <th scope="col">${t.status}</th>
                      <th scope="col">${t.delivery}</th>
                      <th scope="col">${t.waves}</th>
                      <th scope="col">${t.created}</th>
                      <th scope="col"><span class="visually-hidden">${t.results}</span></th>
                    </tr>
                  </thead>
                  <tbody>
                    ${rows}
                  </tbody>
                </table>`
          }`,
      });
    },
  );
};
