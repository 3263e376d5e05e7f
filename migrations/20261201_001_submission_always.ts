import { type Kysely, sql } from 'kysely';

// Frozen in time: never edit once landed; add a new migration instead.
export async function up(db: Kysely<any>): Promise<void> {
  // SPEC P1: a participation row's submission was null exactly when the client sent no
  // Idempotency-Key, telling a database reader which rows came from the form and which from the
  // API. New rows always carry a keyed hash; old nulls get 32 random bytes (the length of one), so
  // every row looks alike, and the column says so.
  await sql`update participation set submission = sha256(gen_random_uuid()::text::bytea || gen_random_uuid()::text::bytea) where submission is null`.execute(
    db,
  );
  await db.schema
    .alterTable('participation')
    .alterColumn('submission', (c) => c.setNotNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('participation')
    .alterColumn('submission', (c) => c.dropNotNull())
    .execute();
}
