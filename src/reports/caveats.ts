import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

/** What HR itself did that a reader should weigh (issue 13, roster stuffing): counts, no person. */
export interface WaveCaveats {
  poolCodes: number;
  hrHeldLinks: number;
  rosterAdditions: number;
}

export async function waveCaveats(db: Kysely<Database>, orgId: string, waveId: string): Promise<WaveCaveats> {
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
  return { poolCodes: row.poolCodes, hrHeldLinks: row.hrHeldLinks, rosterAdditions: row.rosterAdditions };
}
