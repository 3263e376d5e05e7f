import { type Kysely, sql } from 'kysely';

// Frozen in time: never edit once landed; add a new migration instead.
export async function up(db: Kysely<any>): Promise<void> {
  // Months after a wave closes that its answers (and who answered) are kept; the report counters
  // stay. Null: kept until the organization is deleted.
  await db.schema
    .alterTable('organizations')
    .addColumn('response_retention_months', 'integer', (c) => c.check(sql`response_retention_months between 1 and 120`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('organizations').dropColumn('response_retention_months').execute();
}
