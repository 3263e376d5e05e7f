import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Keys } from '../crypto/tokens.ts';
import { participationMarker } from '../anonymity/participation.ts';
import { contestsOf } from '../responses/contests.ts';

/** What HR itself did that a reader should weigh (issue 13, roster stuffing): counts, no person. */
export interface WaveCaveats {
  poolCodes: number;
  hrHeldLinks: number;
  rosterAdditions: number;
  /** Invitations of this wave revoked after they were issued (leavers, sync imports): HR's own doing. */
  revokedInvitations: number;
  /**
   * Submits that found their invitation already used (SPEC P7), rounded down to a multiple of k;
   * null while the wave is open or under k. Exact or live, a reader who probed a named link could
   * watch its owner come back and find it used.
   */
  contestedAtLeast: number | null;
  /**
   * Answers that came through tokens HR held (pool codes, named links it received), rounded down
   * to a multiple of k; null while the wave is open, or where it would tell more than k-groups do:
   * fewer than k such answers, fewer than k such tokens unanswered, or fewer than k non-responders
   * left among the other invitations.
   */
  heldAnswersAtLeast: number | null;
}

// A closed wave's invitations never change again: counted once (100,000 invitations cost more
// than the rest of a cached overview). Its contest count can still grow once, when an instance
// writes the contests it counted before the close (contests.ts): that instance tells the others
// (change-notices.ts) and each forgets the wave. Kept per connection pool, so per app instance,
// even when two share a process (as in the tests).
const cachesOf = new WeakMap<object, { waves: Map<string, WaveCaveats>; forgotten: number }>();
const closedWavesOf = (db: Kysely<Database>) => {
  let cache = cachesOf.get(db);
  if (!cache) cachesOf.set(db, (cache = { waves: new Map(), forgotten: 0 }));
  return cache;
};

/** Forgets what was counted of a closed wave (all waves when none is named). */
export function forgetClosedWave(db: Kysely<Database>, waveId?: string): void {
  const cache = closedWavesOf(db);
  // A count in flight when this arrives may predate the change: it is not kept.
  cache.forgotten++;
  if (waveId === undefined) cache.waves.clear();
  else for (const key of cache.waves.keys()) if (key.split('/')[1] === waveId) cache.waves.delete(key);
}

export async function waveCaveats(
  db: Kysely<Database>,
  orgId: string,
  wave: { id: string; status: 'open' | 'closed' },
  k: number,
  keys: Keys,
): Promise<WaveCaveats> {
  const key = `${orgId}/${wave.id}/${k}`;
  const cache = closedWavesOf(db);
  const known = wave.status === 'closed' ? cache.waves.get(key) : undefined;
  if (known) return known;
  const forgotten = cache.forgotten;
  const counted = await countCaveats(db, orgId, wave, k, keys);
  if (wave.status === 'closed' && cache.forgotten === forgotten) {
    if (cache.waves.size >= 1000) cache.waves.delete(cache.waves.keys().next().value!);
    cache.waves.set(key, counted);
  }
  return counted;
}

async function countCaveats(
  db: Kysely<Database>,
  orgId: string,
  wave: { id: string; status: 'open' | 'closed' },
  k: number,
  keys: Keys,
): Promise<WaveCaveats> {
  const waveId = wave.id;
  const row = await db
    .selectFrom('invitations')
    .select((eb) => [
      eb.fn.countAll<number>().filterWhere('participant_id', 'is', null).as('poolCodes'),
      eb.fn
        .countAll<number>()
        .filterWhere((f) => f.and([f('participant_id', 'is not', null), f('held_by_hr', '=', true)]))
        .as('hrHeldLinks'),
      eb.fn.countAll<number>().filterWhere('roster_addition', '=', true).as('rosterAdditions'),
      eb.fn.countAll<number>().filterWhere('revoked', '=', true).as('revokedInvitations'),
    ])
    .where('org_id', '=', orgId)
    .where('wave_id', '=', waveId)
    .executeTakeFirstOrThrow();
  const contested = wave.status === 'closed' ? await contestsOf(db, keys, orgId, waveId) : 0;
  return {
    heldAnswersAtLeast: wave.status === 'closed' ? await heldAnswers(db, keys, orgId, waveId, k) : null,
    poolCodes: row.poolCodes,
    hrHeldLinks: row.hrHeldLinks,
    rosterAdditions: row.rosterAdditions,
    revokedInvitations: row.revokedInvitations,
    contestedAtLeast: contested >= k ? Math.floor(contested / k) * k : null,
  };
}

/**
 * How many answers came through HR-held tokens, as far as k-groups allow (see WaveCaveats). Only
 * the application's secret tells which invitations were spent (their participation markers); the
 * count leaves this function coarsened, and only for a closed wave.
 */
async function heldAnswers(
  db: Kysely<Database>,
  keys: Keys,
  orgId: string,
  waveId: string,
  k: number,
): Promise<number | null> {
  const invitations = await db
    .selectFrom('invitations')
    .select(['id', 'held_by_hr'])
    .where('org_id', '=', orgId)
    .where('wave_id', '=', waveId)
    .execute();
  const held = invitations.filter((i) => i.held_by_hr);
  if (held.length < 2 * k) return null;
  const markers = held.map((i) => participationMarker(keys, i.id));
  const spent = await db
    .selectFrom('participation')
    .select((eb) => [
      eb.fn.countAll<number>().as('all'),
      eb.fn.countAll<number>().filterWhere('marker', 'in', markers).as('held'),
    ])
    .where('org_id', '=', orgId)
    .where('wave_id', '=', waveId)
    .executeTakeFirstOrThrow();
  const [spentAll, spentHeld] = [Number(spent.all), Number(spent.held)];
  const shown = Math.floor(spentHeld / k) * k;
  const others = invitations.length - held.length;
  // Whatever the true count within the band [shown, shown + k - 1], the other invitations keep k
  // non-responders (or there are none to speak of).
  const othersNonResponders = others - (spentAll - shown);
  if (spentHeld < k || held.length - spentHeld < k || (others > 0 && othersNonResponders - (k - 1) < k)) return null;
  return shown;
}
