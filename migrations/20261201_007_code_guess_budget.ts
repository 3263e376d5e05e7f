import { type Kysely, sql } from 'kysely';

// Frozen in time: never edit once landed; add a new migration instead.
export async function up(db: Kysely<any>): Promise<void> {
  // SPEC P5: the code-guessing budgets per organization and over all organizations, shared by every
  // instance (src/guessing/shared-budget.ts). A row changes whenever someone types a code, so it is
  // a time someone acted (P1, T2): UNLOGGED keeps it out of the WAL (and out of replicas and
  // backups taken from them); its pages reach the data files only when evicted or at shutdown, and
  // a crash empties it. A row holds a keyed hash (32 bytes, never an address, not even which
  // organization), a minute number and a count: every row the same length. Not tenant data, so no
  // org_id leads its key: the global budget spans every organization.
  await sql`create unlogged table code_guess_windows (
    budget bytea primary key check (octet_length(budget) = 32),
    window_no bigint not null,
    tries integer not null
  ) with (fillfactor = 50)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('code_guess_windows').execute();
}
