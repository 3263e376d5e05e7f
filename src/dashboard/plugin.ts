import { readFileSync } from 'node:fs';
import formbody from '@fastify/formbody';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { accessRuleOf, type AccessRule } from '../plugins/auth.ts';
import { NotFound } from '../errors.ts';
import { CODE_SHEET_CSP } from '../surveys/distribution.ts';
import { dashboardErrorHandler } from './shell/errors.ts';
import { sameOriginOnly } from './shell/guard.ts';
import { isUiLanguage, rememberLanguage, safeNext } from './shell/language.ts';
import { seeOther } from './shell/render.ts';
import { rosterRoutes } from './roster/routes.ts';
import { settingsRoutes } from './settings/routes.ts';
import { signInRoutes } from './sign-in/routes.ts';
import { surveyListRoutes } from './surveys/list.ts';
import { surveyManagementRoutes } from './surveys/routes.ts';
import { resultsRoutes } from './results/routes.ts';

/** Every page of the dashboard with the rule that guards it, for the authorization matrix test. */
export interface DashboardPage {
  method: string;
  url: string;
  rule: AccessRule | undefined;
}

const STYLES = [
  new URL('./shell/dashboard.css', import.meta.url),
  new URL('./surveys/surveys.css', import.meta.url),
  new URL('./roster/roster.css', import.meta.url),
  new URL('./settings/settings.css', import.meta.url),
  new URL('./results/results.css', import.meta.url),
]
  .map((u) => readFileSync(u, 'utf8'))
  .join('\n');

// The dashboard loads nothing but its own stylesheet: no script, no third-party asset, no inline style.
const DASHBOARD_CSP =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/**
 * The HR dashboard (issue 15): server-rendered pages on the API's own services, same origin,
 * working without JavaScript. Every page is guarded by the API's own role rules (requireRole).
 */
export const dashboardRoutes: FastifyPluginAsyncZod<{ pages: DashboardPage[] }> = async (app, options) => {
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods)
      if (method !== 'HEAD') options.pages.push({ method, url: route.url, rule: accessRuleOf(route.onRequest) });
  });
  await app.register(formbody, { bodyLimit: 64 * 1024 });
  app.addHook('onRequest', sameOriginOnly);
  app.addHook('onSend', async (_request, reply) => {
    // The printable code sheet keeps its own policy (its one inline style's hash, as the API's).
    if (
      String(reply.getHeader('content-type') ?? '').startsWith('text/html') &&
      reply.getHeader('content-security-policy') !== CODE_SHEET_CSP
    )
      reply.header('content-security-policy', DASHBOARD_CSP);
  });
  app.setErrorHandler(dashboardErrorHandler);
  app.setNotFoundHandler(async () => {
    throw new NotFound('Page');
  });

  app.get('/assets/dashboard.css', { schema: { hide: true } }, async (_request, reply) =>
    reply
      .header('cache-control', 'public, max-age=3600')
      .type('text/css; charset=utf-8')
      .send(STYLES as never),
  );
  app.get('', { schema: { hide: true } }, async (_request, reply) => seeOther(reply, '/hr/surveys'));
  app.get(
    '/language',
    {
      schema: { hide: true, querystring: z.object({ lang: z.string().max(10), next: z.string().max(500).optional() }) },
    },
    async (request, reply) => {
      if (isUiLanguage(request.query.lang)) rememberLanguage(reply, request.query.lang, app.config.cookieSecure);
      return seeOther(reply, safeNext(request.query.next));
    },
  );

  await app.register(signInRoutes);
  await app.register(surveyListRoutes);
  await app.register(surveyManagementRoutes);
  await app.register(rosterRoutes);
  await app.register(settingsRoutes);
  await app.register(resultsRoutes);
};
