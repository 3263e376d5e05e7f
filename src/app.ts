import { auditPlugin } from './audit/plugin.ts';
import { auditRoutes } from './audit/routes.ts';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { memoizingSerializerCompiler } from './plugins/serializer.ts';
import type { Logger } from 'pino';
import type { AppConfig } from './config.ts';
import { createLogger, logController } from './plugins/logging.ts';
import { problemsPlugin } from './plugins/problems.ts';
import { clientErrorHandler, frameworkErrors } from './plugins/framework-errors.ts';
import { securityPlugin } from './plugins/security.ts';
import { codeGuessingPlugin } from './plugins/code-guessing.ts';
import { dbPlugin } from './plugins/db.ts';
import { reportsPlugin } from './reports/warmer.ts';
import { reportChangesPlugin } from './reports/change-listener.ts';
import { openWavesPlugin } from './responses/open-waves.ts';
import { authPlugin } from './plugins/auth.ts';
import { openapiPlugin } from './plugins/openapi.ts';
import { drainPlugin } from './plugins/drain.ts';
import { healthRoutes } from './health/routes.ts';
import { authRoutes } from './auth/routes.ts';
import { organizationRoutes } from './orgs/routes.ts';
import { accountRoutes } from './accounts/routes.ts';
import { apiKeyRoutes } from './api-keys/routes.ts';
import { rosterRoutes } from './roster/routes.ts';
import { surveyRoutes, templateRoutes } from './surveys/routes.ts';
import { respondRoutes } from './responses/routes.ts';
import { reportRoutes } from './reports/routes.ts';
import { pageRoutes } from './pages/routes.ts';
import { schedulerPlugin } from './delivery/scheduler.ts';
import { dashboardRoutes, type DashboardPage } from './dashboard/plugin.ts';

export interface BuildOptions {
  /** Tests pass a logger writing to a stream they read. */
  logger?: Logger;
}

export type App = FastifyInstance<Server, IncomingMessage, ServerResponse, FastifyBaseLogger, ZodTypeProvider>;

declare module 'fastify' {
  interface FastifyInstance {
    /** The dashboard's pages and the rules guarding them (the authorization matrix test walks them). */
    dashboardPages: DashboardPage[];
  }
}

export const BODY_LIMIT_BYTES = 256 * 1024;

/** The app as a plugin tree; never listens. Used by the server, the CLI and every test. */
export async function buildApp(config: AppConfig, options: BuildOptions = {}): Promise<App> {
  const app = Fastify({
    loggerInstance: (options.logger ?? createLogger(config.logLevel)) as FastifyBaseLogger,
    logController,
    // Ids are ours: an incoming X-Request-Id could smuggle an identifier into every log line.
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: config.trustProxy,
    routerOptions: { ignoreTrailingSlash: true },
    // Answers written before any route runs are problem+json too (SPEC: every 4xx is RFC 9457).
    frameworkErrors,
    clientErrorHandler,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(memoizingSerializerCompiler);

  await app.register(problemsPlugin);
  await app.register(securityPlugin);
  await app.register(drainPlugin);
  await app.register(dbPlugin, { config });
  await app.register(codeGuessingPlugin, {});
  await app.register(reportsPlugin);
  await app.register(authPlugin);
  await app.register(openWavesPlugin);
  await app.register(reportChangesPlugin);
  await app.register(openapiPlugin);
  await app.register(auditPlugin);

  await app.register(healthRoutes);
  await app.register(authRoutes, { prefix: '/v1/auth' });
  await app.register(organizationRoutes, { prefix: '/v1/organization' });
  await app.register(accountRoutes, { prefix: '/v1/accounts' });
  await app.register(apiKeyRoutes, { prefix: '/v1/api-keys' });
  await app.register(rosterRoutes, { prefix: '/v1/roster' });
  await app.register(templateRoutes, { prefix: '/v1/templates' });
  await app.register(surveyRoutes, { prefix: '/v1/surveys' });
  await app.register(respondRoutes, { prefix: '/v1/respond' });
  await app.register(reportRoutes, { prefix: '/v1/reports/surveys' });
  await app.register(auditRoutes, { prefix: '/v1/audit' });
  await app.register(pageRoutes);
  const dashboardPages: DashboardPage[] = [];
  app.decorate('dashboardPages', dashboardPages);
  await app.register(dashboardRoutes, { prefix: '/hr', pages: dashboardPages });
  await app.register(schedulerPlugin);

  await app.ready();
  return app;
}
