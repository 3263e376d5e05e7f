import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { principalOf, requireRole } from '../plugins/auth.ts';
import { problemResponses } from '../plugins/problems.ts';
import { listAuditEntries } from './service.ts';

const entry = z.object({
  at: z.iso.datetime(),
  actor: z.object({
    kind: z.enum(['session', 'api-key']),
    id: z.uuid(),
    name: z.string().nullable().describe('The account e-mail or the API key name; null once deleted.'),
  }),
  action: z.string().describe('Method and route, e.g. "PATCH /v1/surveys/:id".'),
  target: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});

export const auditRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '',
    {
      onRequest: requireRole({ role: 'admin' }),
      schema: {
        tags: ['audit'],
        summary: 'What HR did, newest first (no employee data)',
        querystring: z.strictObject({
          limit: z.coerce.number().int().min(1).max(1000).default(100),
          before: z.coerce.number().int().positive().optional().describe('Page: entries older than this id.'),
        }),
        response: { 200: z.array(entry.extend({ id: z.number() })), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const entries = await listAuditEntries(
        app.db,
        principalOf(request).orgId,
        request.query.limit,
        request.query.before,
      );
      return entries.map((e) => ({ ...e, at: e.at.toISOString() }));
    },
  );
};
