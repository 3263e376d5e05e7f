import { type Kysely, sql } from 'kysely';

// Frozen in time: never edit once landed; add a new migration instead.
export async function up(db: Kysely<any>): Promise<void> {
  // A keyed hash of the survey session that spent the invitation. When the database dies between
  // committing an answer and acknowledging it, the client saw a 503; its retry from the same
  // session is then told the answer is in (201) instead of "already submitted" (issue 7).
  await db.schema
    .alterTable('participation')
    .addColumn('submission', sql`bytea`)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('participation').dropColumn('submission').execute();
}
