import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

/** What HR itself did that a reader should weigh (issue 13, roster stuffing): counts, no person. */
export interface WaveCaveats {
  poolCodes: number;
  hrHeldLinks: number;
  rosterAdditions: number;
  /**
   * Submits that found their invitation already used (SPEC P7), rounded down to a multiple of k;
   * null while the wave is open or under k. Exact or live, a reader who probed a named link could
   * watch its owner come back and find it used.
   */
  contestedAtLeast: number | null;
}

// A closed wave's invitations and contests never change again: counted once (100,000 invitations
// cost more than the rest of a cached overview).
const closedWaves = new Map<string, WaveCaveats>();

export async function waveCaveats(
  db: Kysely<Database>,
  orgId: string,
  wave: { id: string; status: 'open' | 'closed' },
  k: number,
): Promise<WaveCaveats> {
  const key = `${orgId}/${wave.id}/${k}`;
  const known = wave.status === 'closed' ? closedWaves.get(key) : undefined;
  if (known) return known;
  const counted = await countCaveats(db, orgId, wave, k);
  if (wave.status === 'closed') {
    if (closedWaves.size >= 1000) closedWaves.delete(closedWaves.keys().next().value!);
    closedWaves.set(key, counted);
  }
  return counted;
}

async function countCaveats(
  db: Kysely<Database>,
  orgId: string,
  wave: { id: string; status: 'open' | 'closed' },
  k: number,
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
    ])
    .where('org_id', '=', orgId)
    .where('wave_id', '=', waveId)
    .executeTakeFirstOrThrow();
  const contested =
    wave.status === 'closed'
      ? ((
          await db
            .selectFrom('contested_invitations')
            .select('n')
            .where('org_id', '=', orgId)
            .where('wave_id', '=', waveId)
            .executeTakeFirst()
        )?.n ?? 0)
      : 0;
  return {
    poolCodes: row.poolCodes,
    hrHeldLinks: row.hrHeldLinks,
    rosterAdditions: row.rosterAdditions,
    contestedAtLeast: contested >= k ? Math.floor(contested / k) * k : null,
  };
}
