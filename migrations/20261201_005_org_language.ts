import type { Kysely } from 'kysely';

// Frozen in time: never edit once landed; add a new migration instead.
export async function up(db: Kysely<any>): Promise<void> {
  // Issue 14: the language an organization's mail and pages fall back to when a participant's
  // roster row names none. Null: the survey's own default language.
  await db.schema.alterTable('organizations').addColumn('default_language', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('organizations').dropColumn('default_language').execute();
}
