import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import type { Insertable, Kysely } from 'kysely';
import type { AuditLogTable, Database } from '../db/schema.ts';

/**
 * The audit log (issue 7): every change an HR reader or integration makes, and every export,
 * recorded after it succeeded. Only what identifies the HR actor and the HR object is kept: the
 * route, the id in its path, the names of the fields sent (never their values, which may be
 * roster rows), and the thresholds themselves, since "who changed k" is the point. Employees'
 * requests (/v1/respond, the pages) carry no principal and are never recorded: a time an
 * employee acted would be a timing channel (SPEC P1).
 */
const THRESHOLDS = ['minGroupSize', 'commentMinGroupSize', 'reportablePairs'] as const;
/** How many codes a pool issued: the size of what HR holds is the point too (issue 13, roster stuffing). */
const COUNTS = ['count'] as const;

export function auditEntry(
  request: FastifyRequest,
  statusCode: number,
  contentType: string | undefined,
): Insertable<AuditLogTable> | null {
  const principal = request.principal;
  if (!principal || statusCode >= 400) return null;
  const exported = request.method === 'GET' && contentType?.startsWith('text/csv');
  if (request.method === 'GET' && !exported) return null;
  const body = request.body;
  const details: Record<string, unknown> = {};
  if (Array.isArray(body)) details.rows = body.length;
  else if (typeof body === 'string') details.rows = Math.max(0, body.split('\n').filter((l) => l.trim()).length - 1);
  else if (body && typeof body === 'object') {
    details.fields = Object.keys(body).sort();
    for (const key of THRESHOLDS) if (key in body) details[key] = (body as Record<string, unknown>)[key];
    for (const key of COUNTS) {
      const value = (body as Record<string, unknown>)[key];
      if (typeof value === 'number') details[key] = value;
    }
  }
  if (exported) details.format = 'csv';
  const params = request.params as Record<string, unknown> | undefined;
  return {
    org_id: principal.orgId,
    actor_kind: principal.kind,
    actor_id: principal.kind === 'session' ? principal.accountId : principal.apiKeyId,
    action: `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`,
    target: typeof params?.id === 'string' ? params.id : null,
    details: JSON.stringify(details),
  };
}

export async function recordAudit(db: Kysely<Database>, entry: Insertable<AuditLogTable>): Promise<void> {
  await db.insertInto('audit_log').values(entry).execute();
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Settles once every audit entry of a response already sent is written (they follow the response). */
    auditWritten(): Promise<void>;
  }
}

export const auditPlugin = fp(
  async (app) => {
    const pending = new Set<Promise<void>>();
    app.decorate('auditWritten', async () => {
      while (pending.size) await Promise.all([...pending]);
    });
    app.addHook('onResponse', async (request, reply) => {
      const entry = auditEntry(request, reply.statusCode, String(reply.getHeader('content-type') ?? ''));
      // An organization just deleted takes its log with it; nothing to record then.
      if (!entry || (request.routeOptions.url === '/v1/organization' && request.method === 'DELETE')) return;
      const written = recordAudit(app.db, entry).catch((err: unknown) =>
        request.log.error({ err }, 'audit entry not recorded'),
      );
      pending.add(written);
      await written.finally(() => pending.delete(written));
    });
  },
  { name: 'audit', dependencies: ['db'] },
);
