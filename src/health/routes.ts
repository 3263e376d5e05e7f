import { sql } from 'kysely';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { pendingMigrations } from '../db/migrator.ts';
import { problemResponses, sendProblem } from '../plugins/problems.ts';
import { unrecoverableReason } from './liveness.ts';

const ok = z.object({ status: z.literal('ok') });

/**
 * /healthz: the process answers and can still recover by itself (a database being restarted is
 * fine; one that will not come back is not). /readyz: the database answers and its schema is current.
 */
export const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/healthz',
    { schema: { tags: ['operations'], response: { 200: ok, ...problemResponses(503) } } },
    async (request, reply) => {
      // The reason (paths, exit codes) goes to the log, not to whoever probes this route.
      if (unrecoverableReason())
        return sendProblem(
          request,
          reply,
          503,
          'unrecoverable',
          'A dependency failed for good; the process is exiting.',
        );
      return { status: 'ok' as const };
    },
  );

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
