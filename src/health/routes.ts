import { sql } from 'kysely';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { pendingMigrations } from '../db/migrator.ts';
import { problemResponses, sendProblem } from '../plugins/problems.ts';

const ok = z.object({ status: z.literal('ok') });

/** /healthz: the process answers. /readyz: the database answers and its schema is current. */
export const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get('/healthz', { schema: { tags: ['operations'], response: { 200: ok } } }, async () => ({
    status: 'ok' as const,
  }));

  app.get(
    '/readyz',
    { schema: { tags: ['operations'], response: { 200: ok, ...problemResponses(503) } } },
    async (request, reply) => {
      try {
        await sql`select 1`.execute(app.db);
        const pending = await pendingMigrations(app.db);
        if (pending.length > 0)
          return sendProblem(
            request,
            reply,
            503,
            'migrations-pending',
            `${pending.length} migration(s) not applied yet.`,
          );
      } catch {
        return sendProblem(request, reply, 503, 'database-unreachable', 'The database does not answer.');
      }
      return { status: 'ok' as const };
    },
  );
};
