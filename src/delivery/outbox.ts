import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Keys } from '../crypto/tokens.ts';
import { open, seal } from '../crypto/aead.ts';
import { shuffle } from '../anonymity/generalise.ts';
import { padTo, paddedSize, unpad } from '../anonymity/padding.ts';
import type { ComposedMail, MailMessage } from './templates.ts';

const context = (orgId: string) => `mail-outbox:${orgId}`;
const BATCH = 2_000;

/**
 * Queues messages durably, in the caller's transaction: sealed whole (recipient, link, code), each
 * padded to its survey and kind's one size, and shuffled, so neither the rows, their lengths nor
 * their order tell a database reader who gets what (SPEC P1).
 */
export async function queueMail(
  trx: Transaction<Database>,
  keys: Keys,
  orgId: string,
  messages: ComposedMail[],
): Promise<void> {
  const sealed = shuffle(messages).map((m) =>
    seal(
      keys['mail-outbox'],
      padTo(Buffer.from(JSON.stringify(m.message), 'utf8'), paddedSize(m.sealedBytes)),
      context(orgId),
    ),
  );
  for (let start = 0; start < sealed.length; start += BATCH) {
    await sql`insert into mail_outbox (org_id, sealed) select ${orgId}, s from unnest(${sealed.slice(start, start + BATCH)}::bytea[]) as s`.execute(
      trx,
    );
  }
}

export type Send = (message: MailMessage) => Promise<void>;

/**
 * Sends due mail. Rows are claimed with FOR UPDATE SKIP LOCKED and a lease, so several instances
 * share the work without sending a row twice while it is leased; a row is deleted only after its
 * send succeeded (at-least-once: a crash between sending and deleting resends that one mail).
 * Failures back off exponentially.
 */
export async function drainOutbox(
  db: Kysely<Database>,
  keys: Keys,
  send: Send,
  limit = 100,
): Promise<{ sent: number; failed: number }> {
  const { rows } = await sql<{ org_id: string; id: string; sealed: Buffer; attempts: number }>`
    update mail_outbox set locked_until = now() + interval '5 minutes', attempts = attempts + 1
    where (org_id, id) in (
      select org_id, id from mail_outbox
      where not_before <= now() and (locked_until is null or locked_until < now())
      order by not_before limit ${limit} for update skip locked)
    returning org_id, id, sealed, attempts`.execute(db);
  let sent = 0;
  let failed = 0;
  for (const row of rows) {
    const padded = open(keys['mail-outbox'], row.sealed, context(row.org_id));
    const plain = padded && unpad(padded);
    try {
      if (!plain) throw new Error('outbox row cannot be opened with this key');
      await send(JSON.parse(plain.toString('utf8')) as MailMessage);
      await db.deleteFrom('mail_outbox').where('org_id', '=', row.org_id).where('id', '=', row.id).execute();
      sent++;
    } catch {
      failed++;
      await db
        .updateTable('mail_outbox')
        .set({
          locked_until: null,
          not_before: sql<Date>`now() + make_interval(secs => ${Math.min(3600, 2 ** row.attempts * 15)})`,
        })
        .where('org_id', '=', row.org_id)
        .where('id', '=', row.id)
        .execute();
    }
  }
  return { sent, failed };
}
