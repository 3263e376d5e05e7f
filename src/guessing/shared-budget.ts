import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { keyedHash, type Keys } from '../crypto/tokens.ts';
import { ServiceUnavailable } from '../errors.ts';
import { CODE_GUESS_LIMITS, inMemoryWindows, type CodeGuessBudget, type CodeGuessLimits } from './budget.ts';

/**
 * SPEC P5 with N instances: the organization and global budgets — the two the guessing arithmetic
 * (docs/codes.md) rests on — are counted in PostgreSQL (table code_guess_windows), one count
 * whichever instance and route a try comes through. The per-client budget stays in each
 * instance's memory on purpose: its key is derived from an address, and a row of it at rest would
 * tell the operator (T3, who holds the key) which address typed a code in which minute; it only
 * keeps one client from eating its organization's budget alone, which each instance still does
 * (docs/codes.md, "More than one instance").
 *
 * What rests, and for how long (P1 against T2): windows are minutes of the database's clock
 * (one clock for every instance), a row is a keyed hash, a minute number and a count, the table is
 * UNLOGGED, and sweepStaleWindows removes a row once its minute is over.
 */
export function sharedCodeGuessBudget(
  db: Kysely<Database>,
  keys: Keys,
  limits: CodeGuessLimits = CODE_GUESS_LIMITS,
): CodeGuessBudget {
  const clients = inMemoryWindows(limits.windowSeconds);
  const everyone = budgetKey(keys, 'global', '');
  return {
    async spend(client, organization) {
      const byClient = clients.spend(client, limits.perClient);
      if (byClient) return byClient;
      const outcome = await spendShared(db, budgetKey(keys, 'organization', organization), everyone, limits).catch(
        (err: unknown) => {
          // Fail closed: a try nobody could count is a try refused, never one allowed.
          throw Object.assign(
            new ServiceUnavailable('service-unavailable', 'Codes cannot be checked just now; try again shortly.', 5),
            { cause: err },
          );
        },
      );
      return outcome.allowed ? { allowed: true } : { allowed: false, retryAfterSeconds: outcome.retryAfterSeconds };
    },
  };
}

/** 32 bytes whatever the organization: T2 reading the table learns neither which one nor which row is global. */
const budgetKey = (keys: Keys, scope: 'organization' | 'global', organization: string) =>
  keyedHash(keys['code-guess-budget'], `${scope}:${organization}`);

/**
 * One statement, so one atomic spend: the organization's window counts the try only while under
 * its limit (the row lock of ON CONFLICT serialises concurrent tries from every instance), and
 * the global window only if the organization's counted it. A window whose minute has passed
 * starts again at 1. A try refused because a window is already full writes nothing (the guards
 * read first): no transaction id, no commit record, however hard the route is hammered.
 */
async function spendShared(
  db: Kysely<Database>,
  organization: Buffer,
  everyone: Buffer,
  limits: CodeGuessLimits,
): Promise<{ allowed: boolean; retryAfterSeconds: number }> {
  const seconds = limits.windowSeconds;
  const { rows } = await sql<{ allowed: boolean; retry_after: number }>`
    with clock as (
      select floor(extract(epoch from statement_timestamp()) / ${seconds}::int)::bigint as w,
        greatest(1, ceil(${seconds}::int - mod(extract(epoch from statement_timestamp()), ${seconds}::int)))::int as retry_after
    ), org as (
      insert into code_guess_windows as b (budget, window_no, tries)
      select ${organization}, c.w, 1 from clock c
      where not exists (select from code_guess_windows f
        where f.budget = ${organization} and f.window_no = c.w and f.tries >= ${limits.perOrganization}::int)
      on conflict (budget) do update
        set tries = case when b.window_no = excluded.window_no then b.tries + 1 else 1 end, window_no = excluded.window_no
        where b.window_no <> excluded.window_no or b.tries < ${limits.perOrganization}::int
      returning 1
    ), everyone as (
      insert into code_guess_windows as b (budget, window_no, tries)
      select ${everyone}, c.w, 1 from clock c
      where exists (select from org) and not exists (select from code_guess_windows f
        where f.budget = ${everyone} and f.window_no = c.w and f.tries >= ${limits.global}::int)
      on conflict (budget) do update
        set tries = case when b.window_no = excluded.window_no then b.tries + 1 else 1 end, window_no = excluded.window_no
        where b.window_no <> excluded.window_no or b.tries < ${limits.global}::int
      returning 1
    )
    select exists (select from everyone) as allowed, (select retry_after from clock) as retry_after`.execute(db);
  return { allowed: rows[0]!.allowed, retryAfterSeconds: rows[0]!.retry_after };
}

/**
 * Removes the rows of windows that are over, then vacuums their dead versions away: a finished
 * minute's count (which organization was tried, and when) stays in memory pages no longer than
 * one sweep interval. Any instance may run it; VACUUM skips the table if another holds it.
 */
export async function sweepStaleWindows(db: Kysely<Database>, windowSeconds: number): Promise<number> {
  const { numAffectedRows } = await sql`delete from code_guess_windows
    where window_no < floor(extract(epoch from statement_timestamp()) / ${windowSeconds}::int)::bigint`.execute(db);
  if (numAffectedRows) await sql`vacuum (skip_locked) code_guess_windows`.execute(db);
  return Number(numAffectedRows ?? 0);
}
