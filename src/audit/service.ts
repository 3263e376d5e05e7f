import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

export interface AuditEntry {
  id: number;
  at: Date;
  actor: { kind: 'session' | 'api-key'; id: string; name: string | null };
  action: string;
  target: string | null;
  details: Record<string, unknown>;
}

/** What HR did, newest first, with each actor's e-mail or key name (null once deleted). */
export async function listAuditEntries(
  db: Kysely<Database>,
  orgId: string,
  limit: number,
  before: number | undefined,
): Promise<AuditEntry[]> {
  let query = db
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
    .limit(limit);
  if (before !== undefined) query = query.where('a.id', '<', before);
  return (await query.execute()).map((r) => ({
    id: r.id,
    at: r.at,
    actor: { kind: r.actor_kind, id: r.actor_id, name: r.name },
    action: r.action,
    target: r.target,
    details: r.details,
  }));
}
