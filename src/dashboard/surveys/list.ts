import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { hasRole } from '../../auth/principal.ts';
import { html } from '../../pages/html.ts';
import { principalOf, requireRole } from '../../plugins/auth.ts';
import { listSurveys, listWaves } from '../../surveys/service.ts';
import { langOf, sendPage } from '../shell/render.ts';
import { formatDate, localText } from '../shell/text.ts';
import { participationCells, participationOf } from './participation.ts';
import { SURVEYS } from './strings.ts';

/** The landing page: every survey of the organization with its status and live participation. */
export const surveyListRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/surveys',
    { onRequest: requireRole({ role: 'analyst' }), schema: { hide: true } },
    async (request, reply) => {
      const lang = langOf(request);
      const t = SURVEYS[lang];
      const principal = principalOf(request);
      const orgId = principal.orgId;
      const surveys = await listSurveys(app.db, orgId);
      const waves = await Promise.all(surveys.map((s) => listWaves(app.db, orgId, s.id)));
      const participation = await Promise.all(
        surveys.map((s, i) => (waves[i]!.length ? participationOf(app.db, principal, s.id, 'latest') : [])),
      );
      const rows = surveys.map((s, i) => {
        const title = localText(s.definition.title, lang, s.definition.defaultLanguage);
        const latest = participation[i];
        return html`<tr>
          <th scope="row"><a href="/hr/surveys/${s.id}">${title}</a></th>
          <td><span class="status status-${s.status}">${t.statuses[s.status] ?? s.status}</span></td>
          <td>${t.deliveries[s.delivery] ?? s.delivery}</td>
          <td class="num">${waves[i]!.length}</td>
          ${participationCells(latest === null ? null : latest?.[0], t, lang)}
          <td>${formatDate(s.created_at, lang)}</td>
          <td>${waves[i]!.length > 0 ? html`<a href="/hr/surveys/${s.id}/results">${t.results}</a>` : ''}</td>
        </tr>`;
      });
      return sendPage(request, reply, {
        title: t.listTitle,
        section: 'surveys',
        body: html`<div class="page-head">
            <h1>${t.listTitle}</h1>
            ${hasRole(principal, 'admin') ? html`<a class="button" href="/hr/surveys/new">${t.newSurvey}</a>` : ''}
          </div>
          ${
            surveys.length === 0
              ? html`<p>${t.none}</p>`
              : html`<table class="data surveys">
                  <thead>
                    <tr>
                      <th scope="col" rowspan="2">${t.title}</th>
                      <th scope="col" rowspan="2">${t.status}</th>
                      <th scope="col" rowspan="2">${t.delivery}</th>
                      <th scope="col" rowspan="2">${t.waves}</th>
                      <th scope="colgroup" colspan="3">${t.participation}</th>
                      <th scope="col" rowspan="2">${t.created}</th>
                      <th scope="col" rowspan="2"><span class="visually-hidden">${t.results}</span></th>
                    </tr>
                    <tr>
                      <th scope="col">${t.respondents}</th>
                      <th scope="col">${t.invited}</th>
                      <th scope="col">${t.rate}</th>
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
