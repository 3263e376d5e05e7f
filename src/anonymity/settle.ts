import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import { DomainError } from '../errors.ts';

/**
 * SPEC P1, "an employee's read changes nothing on disk". A row PostgreSQL has just written is not
 * in its final on-disk state: the first read of it sets its "committed" hint bit (and, with data
 * checksums, logs a full-page image of its page to the WAL), a read of a row an UPDATE replaced
 * marks the old index entry dead (LP_DEAD) or prunes the heap page. When that first read is an
 * employee exchanging their own token or loading their own session, a database reader (T2) sees
 * exactly which invitation was just used — by whom, since invitations name their participant.
 *
 * So every job that writes rows an employee later reads settles them before the tokens can leave
 * the service: after its commit, VACUUM (FREEZE, INDEX_CLEANUP ON) on the tables it wrote sets
 * every hint bit, removes the dead versions and their index entries and marks the pages
 * all-visible and all-frozen. A later read by anyone then finds nothing left to change.
 *
 * Ordering, across every instance:
 * - VACUUM cannot run inside a transaction, so it runs after the job's commit, on the same pinned
 *   connection, before the job returns (the HTTP answer carrying the tokens to HR comes after it).
 * - VACUUM can only finish rows every snapshot can see; an older snapshot still open (a report
 *   query, a request in flight) would leave dead versions behind. The settle waits until no
 *   backend of this database holds a snapshot or transaction older than the job's commit.
 * - Mail is sent by whichever instance's scheduler drains the outbox, possibly before the writing
 *   instance has settled. Jobs hold a shared advisory lock from before their transaction until
 *   their settle is done; the mail drain takes it exclusively and settles again first (cheap:
 *   VACUUM skips all-frozen pages), so no mail leaves for rows that are not settled.
 * Locks are taken by polling pg_try_advisory_lock*: a statement waiting on a lock holds a
 * snapshot, which would itself hold back the horizon the other side waits for.
 */

/** Tables whose rows the employee path reads or that are tied to people. */
export type SettledTable =
  | 'invitations'
  | 'waves'
  | 'surveys'
  | 'participants'
  | 'participation'
  | 'sealed_responses'
  | 'responses'
  | 'answer_counts'
  | 'sealed_box_epochs'
  | 'mail_outbox';

// One key for the whole database: jobs share it, the mail drain takes it alone.
export const LOCK_CLASS = 0x51_55_4f_52; // "QUOR"
export const LOCK_SETTLE = 1;
const POLL_MS = 25;
/** How long a settle waits for older snapshots before vacuuming anyway (hint bits still set). */
export const HORIZON_WAIT_MS = 20_000;
/**
 * How long a job or a mail batch waits for the lock. A job gives up before it has written
 * anything (fail closed: nothing half-done, HR retries); a mail batch is tried on the next pass.
 */
export const LOCK_WAIT_MS = 60_000;

export const settleBusy = () =>
  new DomainError(503, 'settle-busy', 'Another job is finishing its writes or sending mail; try again in a minute.');

export interface SettleOutcome {
  /** Every snapshot saw the writes when VACUUM started, so it could finish every page. */
  horizonReached: boolean;
  waitedMs: number;
}

export interface SettleOptions {
  /** Off only for the benchmark that measures what the settle costs. */
  enabled?: boolean;
  horizonWaitMs?: number;
  lockWaitMs?: number;
  onIncomplete?: (outcome: SettleOutcome, tables: readonly SettledTable[]) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function pollLock(conn: Kysely<Database>, shared: boolean, waitMs = LOCK_WAIT_MS): Promise<void> {
  const started = performance.now();
  for (;;) {
    const { rows } = shared
      ? await sql<{
          ok: boolean;
        }>`select pg_try_advisory_lock_shared(${LOCK_CLASS}::int, ${LOCK_SETTLE}::int) as ok`.execute(conn)
      : await sql<{ ok: boolean }>`select pg_try_advisory_lock(${LOCK_CLASS}::int, ${LOCK_SETTLE}::int) as ok`.execute(
          conn,
        );
    if (rows[0]!.ok) return;
    if (performance.now() - started >= waitMs) throw settleBusy();
    await sleep(POLL_MS);
  }
}

async function unlock(conn: Kysely<Database>, shared: boolean): Promise<void> {
  await (shared
    ? sql`select pg_advisory_unlock_shared(${LOCK_CLASS}::int, ${LOCK_SETTLE}::int)`.execute(conn)
    : sql`select pg_advisory_unlock(${LOCK_CLASS}::int, ${LOCK_SETTLE}::int)`.execute(conn));
}

/**
 * Waits until every other backend of this database sees everything committed before the call:
 * no snapshot (backend_xmin) and no running transaction (backend_xid) older than this one's
 * snapshot horizon. VACUUMs are left out (their own snapshots hold back no horizon);
 * replication slots and prepared transactions are counted. pg_stat_activity shows other roles'
 * snapshots only to a superuser or a member of pg_read_all_stats (docs/privacy.md says to grant it).
 */
async function untilSeenByAll(conn: Kysely<Database>, waitMs: number): Promise<SettleOutcome> {
  const started = performance.now();
  const { rows } = await sql<{
    target: string;
  }>`select pg_snapshot_xmax(pg_current_snapshot())::text as target`.execute(conn);
  const target = rows[0]!.target;
  for (;;) {
    const { rows: holding } = await sql<{ n: number }>`
      select (select count(*) from pg_stat_activity
              where datname = current_database() and pid <> pg_backend_pid()
                and backend_type in ('client backend', 'background worker')
                and not (state = 'active' and query ~* '^\\s*vacuum\\s')
                and greatest(age(backend_xmin), age(backend_xid)) > age(xid(${target}::xid8)))
           + (select count(*) from pg_replication_slots
              where greatest(age(xmin), age(catalog_xmin)) > age(xid(${target}::xid8)))
           + (select count(*) from pg_prepared_xacts
              where database = current_database() and age(transaction) > age(xid(${target}::xid8))) as n`.execute(conn);
    const waitedMs = Math.round(performance.now() - started);
    if (Number(holding[0]!.n) === 0) return { horizonReached: true, waitedMs };
    if (waitedMs >= waitMs) return { horizonReached: false, waitedMs };
    await sleep(POLL_MS);
  }
}

async function vacuum(conn: Kysely<Database>, tables: readonly SettledTable[]): Promise<void> {
  // FREEZE: every row visible to all is frozen and its page marked all-visible and all-frozen, so
  // no later read (or VACUUM short of a new write) has a reason to touch it. INDEX_CLEANUP ON:
  // dead index entries go even when there are few (PostgreSQL would otherwise skip them).
  // TRUNCATE OFF: shrinking the file takes an exclusive lock that would stall employees' reads.
  const list = sql.join(tables.map((t) => sql.table(t)));
  await sql`vacuum (freeze, index_cleanup on, truncate off) ${list}`.execute(conn);
}

/** Brings the given tables to their final on-disk state now (outside any transaction). */
export async function settleTables(
  conn: Kysely<Database>,
  tables: readonly SettledTable[],
  options: SettleOptions = {},
): Promise<SettleOutcome> {
  if (options.enabled === false || tables.length === 0) return { horizonReached: true, waitedMs: 0 };
  const outcome = await untilSeenByAll(conn, options.horizonWaitMs ?? HORIZON_WAIT_MS);
  await vacuum(conn, tables);
  if (!outcome.horizonReached) options.onIncomplete?.(outcome, tables);
  return outcome;
}

/**
 * Runs `write` in a transaction and, once it has committed, settles `tables` before returning.
 * A write that fails is settled too: the rows of a rolled-back insert are dead on disk as well.
 */
export async function writeThenSettle<T>(
  db: Kysely<Database>,
  tables: readonly SettledTable[],
  write: (trx: Transaction<Database>) => Promise<T>,
  options: SettleOptions = {},
): Promise<T> {
  return db.connection().execute(async (conn) => {
    await pollLock(conn, true, options.lockWaitMs);
    try {
      let wrote = false;
      try {
        return await conn.transaction().execute(async (trx) => {
          const result = await write(trx);
          const { rows } = await sql<{
            xid: string | null;
          }>`select pg_current_xact_id_if_assigned()::text as xid`.execute(trx);
          wrote = rows[0]!.xid !== null;
          return result;
        });
      } catch (error) {
        wrote = true;
        throw error;
      } finally {
        if (wrote) await settleTables(conn, tables, options);
      }
    } finally {
      await unlock(conn, true);
    }
  });
}

/**
 * Runs `send` (which hands tokens to the outside world, e.g. draining the mail outbox) only once
 * every job that committed before it has settled — on any instance — and settles `tables` again
 * itself, in case a job's own settle failed. `send` gets the pinned connection so that it never
 * waits for a pool connection that a blocked job holds.
 */
export async function sendWhenSettled<T>(
  db: Kysely<Database>,
  tables: readonly SettledTable[],
  send: (conn: Kysely<Database>) => Promise<T>,
  options: SettleOptions = {},
): Promise<T> {
  return db.connection().execute(async (conn) => {
    await pollLock(conn, false, options.lockWaitMs);
    try {
      await settleTables(conn, tables, options);
      return await send(conn);
    } finally {
      await unlock(conn, false);
    }
  });
}
