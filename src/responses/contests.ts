import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import { open, seal } from '../crypto/aead.ts';
import type { Keys } from '../crypto/tokens.ts';

/**
 * Submits that found their invitation already used (SPEC P7), counted per wave so that probing
 * shows — but never written at the moment of a contest: a reader of the database who had spent a
 * colleague's link would otherwise watch the row change when that colleague came back (found by
 * an outside audit, T1 with T2). Contests are counted in memory and written by `flushContests`,
 * which the scheduler runs on its own clock and which rewrites every open wave's counter, changed
 * or not, as a fresh AES-GCM box of one length: the table changes the same way whatever happened.
 * What a crash loses is a caveat's count, never an answer.
 */
const pending = new Map<string, { orgId: string; waveId: string; n: number }>();

export function countContest(orgId: string, waveId: string): void {
  const key = `${orgId}/${waveId}`;
  const entry = pending.get(key) ?? { orgId, waveId, n: 0 };
  entry.n++;
  pending.set(key, entry);
}

const context = (orgId: string, waveId: string) => `contests:${orgId}:${waveId}`;
const sealCount = (keys: Keys, orgId: string, waveId: string, n: number) => {
  const plain = Buffer.alloc(8);
  plain.writeBigUInt64BE(BigInt(n));
  return seal(keys.contests, plain, context(orgId, waveId));
};

function openCount(keys: Keys, orgId: string, waveId: string, sealed: Buffer | undefined): number {
  if (!sealed) return 0;
  const plain = open(keys.contests, sealed, context(orgId, waveId));
  return plain ? Number(plain.readBigUInt64BE()) : 0;
}

/**
 * Adds this process's counts of the given waves (all when none named) and re-seals every open wave's
 * counter. Returns the waves written that are no longer open: their caveats, cached as final by
 * every instance (caveats.ts), just changed.
 */
export async function flushContests(
  db: Kysely<Database> | Transaction<Database>,
  keys: Keys,
  only?: { orgId: string; waveId: string },
): Promise<Array<{ orgId: string; waveId: string }>> {
  const openWaves = only
    ? [{ org_id: only.orgId, id: only.waveId }]
    : await db.selectFrom('waves').select(['org_id', 'id']).where('status', '=', 'open').execute();
  const waves = new Map(openWaves.map((w) => [`${w.org_id}/${w.id}`, { orgId: w.org_id, waveId: w.id }]));
  const closed: Array<{ orgId: string; waveId: string }> = [];
  for (const [key, entry] of pending)
    if (!only && !waves.has(key)) {
      waves.set(key, entry);
      closed.push({ orgId: entry.orgId, waveId: entry.waveId });
    }
  if (waves.size === 0) return closed;
  // One read and one write per pass, however many waves are open.
  const list = [...waves.values()];
  const rows = await db
    .selectFrom('contested_invitations')
    .select(['org_id', 'wave_id', 'sealed'])
    .where(
      sql<boolean>`(org_id, wave_id) in (select * from unnest(${list.map((w) => w.orgId)}::uuid[], ${list.map((w) => w.waveId)}::uuid[]))`,
    )
    .execute();
  const stored = new Map(rows.map((r) => [`${r.org_id}/${r.wave_id}`, r.sealed]));
  const sealed = [...waves].map(([key, { orgId, waveId }]) => {
    const n = openCount(keys, orgId, waveId, stored.get(key)) + (pending.get(key)?.n ?? 0);
    pending.delete(key);
    return sealCount(keys, orgId, waveId, n);
  });
  await sql`insert into contested_invitations as c (org_id, wave_id, sealed)
    select * from unnest(${list.map((w) => w.orgId)}::uuid[], ${list.map((w) => w.waveId)}::uuid[], ${sealed}::bytea[])
    on conflict (org_id, wave_id) do update set sealed = excluded.sealed`.execute(db);
  return closed;
}

/** The wave's count as last written. */
export async function contestsOf(
  db: Kysely<Database> | Transaction<Database>,
  keys: Keys,
  orgId: string,
  waveId: string,
): Promise<number> {
  const row = await db
    .selectFrom('contested_invitations')
    .select('sealed')
    .where('org_id', '=', orgId)
    .where('wave_id', '=', waveId)
    .executeTakeFirst();
  return openCount(keys, orgId, waveId, row?.sealed);
}
