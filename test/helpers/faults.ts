import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.ts';

/**
 * A full disk, injected exactly where it would strike: PostgreSQL fails the statement that needs
 * space with SQLSTATE 53100 (disk_full). A trigger raises that error on the one table a path
 * writes. (Filling a real disk needs a filesystem of its own, and mounting one needs privileges a
 * CI runner need not have.)
 */
export async function installDiskFull(db: Kysely<Database>): Promise<void> {
  await sql`create function disk_full() returns trigger language plpgsql as $$
    begin raise exception 'could not extend file: No space left on device' using errcode = 'disk_full'; end $$`.execute(
    db,
  );
}

export const writesFail = (db: Kysely<Database>, table: string) =>
  sql`create trigger disk_full before insert or update on ${sql.table(table)} for each statement execute function disk_full()`.execute(
    db,
  );

export const writesWork = (db: Kysely<Database>, table: string) =>
  sql`drop trigger disk_full on ${sql.table(table)}`.execute(db);

/** How many rows of one organization a table holds: what a refused request must leave unchanged. */
export async function rowCount(
  db: Kysely<Database>,
  table: 'participation' | 'sealed_responses' | 'responses',
  orgId: string,
): Promise<number> {
  const { n } = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll().as('n'))
    .where('org_id', '=', orgId)
    .executeTakeFirstOrThrow();
  return Number(n);
}
