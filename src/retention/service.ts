import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import { writeThenSettle } from '../anonymity/settle.ts';

/**
 * Retention (issue 7): once a wave has been closed for the organization's
 * `response_retention_months`, its released answers (the only copy of comments) and its
 * participation markers (who answered, for whoever holds the keys) are deleted. The report
 * counters stay, so every published number stays as it was; comment lists of those waves become
 * empty. Responses carry no time of their own (SPEC P1), so the wave's closing day is the clock.
 * Deleted rows stay whole in the table files (and their index entries alive) until VACUUM, and the
 * next reader would prune them at a moment of its choosing, so retention settles both tables after
 * its commit. (Pruned bytes can still linger in a page's free space until reused: docs/privacy.md.)
 * A pass that deletes nothing assigns no transaction id and so vacuums nothing.
 */
export async function applyRetention(db: Kysely<Database>): Promise<{ responses: number; markers: number }> {
  return writeThenSettle(db, ['responses', 'participation'], (trx) => expire(trx));
}

async function expire(db: Transaction<Database>): Promise<{ responses: number; markers: number }> {
  const expired = sql`
    select w.org_id, w.id from waves w join organizations o on o.id = w.org_id
    where o.response_retention_months is not null and w.status = 'closed'
      and w.closed_on < current_date - make_interval(months => o.response_retention_months)`;
  const responses =
    await sql`delete from responses r using (${expired}) e where r.org_id = e.org_id and r.wave_id = e.id`.execute(db);
  const markers =
    await sql`delete from participation p using (${expired}) e where p.org_id = e.org_id and p.wave_id = e.id`.execute(
      db,
    );
  return { responses: Number(responses.numAffectedRows ?? 0), markers: Number(markers.numAffectedRows ?? 0) };
}
