import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import { z } from 'zod';
import { principalOf, requireRole } from '../plugins/auth.ts';
import { problemResponses } from '../plugins/problems.ts';

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
      const { orgId } = principalOf(request);
      let query = app.db
        .selectFrom('audit_log as a')
        .leftJoin('hr_accounts as h', (j) => j.onRef('h.org_id', '=', 'a.org_id').onRef('h.id', '=', 'a.actor_id'))
        .leftJoin('api_keys as k', (j) => j.onRef('k.org_id', '=', 'a.org_id').onRef('k.id', '=', 'a.actor_id'))
        .select([
          'a.id',
          'a.at',
          'a.actor_kind',
          'a.actor_id',
          'a.action',
          'a.target',
          'a.details',
          sql<string | null>`coalesce(h.email, k.name)`.as('name'),
        ])
        .where('a.org_id', '=', orgId)
        .orderBy('a.id', 'desc')
        .limit(request.query.limit);
      if (request.query.before !== undefined) query = query.where('a.id', '<', request.query.before);
      return (await query.execute()).map((r) => ({
        id: r.id,
        at: r.at.toISOString(),
        actor: { kind: r.actor_kind, id: r.actor_id, name: r.name },
        action: r.action,
        target: r.target,
        details: r.details,
      }));
    },
  );
};
