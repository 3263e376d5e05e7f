import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { keyedHash, newToken, sameHash, type Keys } from '../crypto/tokens.ts';

export const MAX_FAILURES = 5;
export const WINDOW_MINUTES = 15;
export const LOCK_MINUTES = 15;

/**
 * OWASP "device cookies": failures are counted per login subject and per client class. Anyone
 * without a device cookie shares the `untrusted` class; a browser that once logged in successfully
 * carries a signed cookie and gets its own counter. An attacker can therefore keep locking the
 * untrusted class, but never the owner's own device, and every lock expires by itself.
 */
export function loginSubject(keys: Keys, orgId: string, email: string): Buffer {
  return keyedHash(keys['login-subject'], `${orgId}\u0000${email}`);
}

export function issueDeviceCookie(keys: Keys, subject: Buffer): string {
  const deviceId = newToken('d').slice(2, 24);
  return `${deviceId}.${keyedHash(keys['device-cookie'], `${subject.toString('hex')}.${deviceId}`).toString('base64url')}`;
}

/** The client class of this attempt: the device id when its cookie is valid for this subject. */
export function clientClass(keys: Keys, subject: Buffer, deviceCookie: string | undefined): string {
  const [deviceId, mac] = deviceCookie?.split('.') ?? [];
  if (!deviceId || !mac) return 'untrusted';
  const expected = keyedHash(keys['device-cookie'], `${subject.toString('hex')}.${deviceId}`);
  return sameHash(expected, Buffer.from(mac, 'base64url')) ? `device:${deviceId}` : 'untrusted';
}

/** Seconds until this client may try again, or 0 when it is not locked. */
export async function lockedForSeconds(
  db: Kysely<Database>,
  orgId: string,
  subject: Buffer,
  client: string,
): Promise<number> {
  const row = await db
    .selectFrom('login_throttles')
    .select(sql<number>`ceil(extract(epoch from locked_until - now()))`.as('seconds'))
    .where('org_id', '=', orgId)
    .where('subject', '=', subject)
    .where('client', '=', client)
    .where('locked_until', '>', sql<Date>`now()`)
    .executeTakeFirst();
  return row ? Math.max(1, row.seconds) : 0;
}

export async function recordFailure(
  db: Kysely<Database>,
  orgId: string,
  subject: Buffer,
  client: string,
): Promise<void> {
  // One statement, so concurrent failures from many connections all count.
  await sql`
    insert into login_throttles as t (org_id, subject, client, failures, window_started_at)
    values (${orgId}, ${subject}, ${client}, 1, now())
    on conflict (org_id, subject, client) do update set
      failures = case when t.window_started_at < now() - make_interval(mins => ${WINDOW_MINUTES}) then 1 else t.failures + 1 end,
      window_started_at = case when t.window_started_at < now() - make_interval(mins => ${WINDOW_MINUTES}) then now() else t.window_started_at end,
      locked_until = case
        when t.window_started_at >= now() - make_interval(mins => ${WINDOW_MINUTES}) and t.failures + 1 >= ${MAX_FAILURES}
        then now() + make_interval(mins => ${LOCK_MINUTES})
        else t.locked_until end
  `.execute(db);
}

export async function clearFailures(
  db: Kysely<Database>,
  orgId: string,
  subject: Buffer,
  client: string,
): Promise<void> {
  await db
    .deleteFrom('login_throttles')
    .where('org_id', '=', orgId)
    .where('subject', '=', subject)
    .where('client', '=', client)
    .execute();
}
