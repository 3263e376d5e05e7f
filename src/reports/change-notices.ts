import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/schema.ts';

/**
 * Issue 16: what one instance tells the others (LISTEN/NOTIFY on the app's own PostgreSQL) so that
 * reports read the same on every instance. A notice names a survey or a wave, by id, and the
 * instance that sent it — nothing about a person. Notices go out after the commit of what they
 * announce, in a statement of their own (never in the transaction of an answer: no shared
 * transaction id), and only where the moment is already not an employee's own: a release of a
 * batch, a wave opened or closed by HR or the scheduler, contest counts
 * written on the scheduler's clock.
 */
export const REPORTS_CHANNEL = 'quorum_reports';

/** Sent by the database's own triggers, naming an organization (src/responses/open-waves.ts). */
export const RESPONDENTS_CHANNEL = 'quorum_respondents';

/**
 * The organization's id rides along (it is no one's, and names the shard under Citus) so that the
 * receiver needs no lookup.
 */
export type ChangeNotice =
  /** A survey's released data or waves changed: warm its reports again. */
  | { kind: 'survey'; orgId: string; id: string }
  /** A closed wave's counts (contests) were written: forget its cached caveats. */
  | { kind: 'wave'; orgId: string; id: string };

const payload = z.tuple([z.string().regex(/^[0-9a-f]{16}$/), z.enum(['survey', 'wave']), z.uuid(), z.uuid()]);

const encodeNotice = (from: string, notice: ChangeNotice) => `${from}:${notice.kind}:${notice.orgId}:${notice.id}`;

/** A notice from the channel, or null for anything else (another version's, or not ours). */
export function decodeNotice(text: string | undefined): { from: string; notice: ChangeNotice } | null {
  const parsed = payload.safeParse((text ?? '').split(':'));
  if (!parsed.success) return null;
  const [from, kind, orgId, id] = parsed.data;
  return { from, notice: { kind, orgId, id } };
}

/**
 * Sends a notice in its own statement (autocommit), after whatever it announces has committed.
 * `from` is the sending app's instance id (db.ts), so it can ignore its own notice coming back.
 */
export async function sendNotice(db: Kysely<Database>, from: string, notice: ChangeNotice): Promise<void> {
  await sql`select pg_notify(${REPORTS_CHANNEL}, ${encodeNotice(from, notice)})`.execute(db);
}
