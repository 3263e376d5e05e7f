import { type Kysely, sql } from 'kysely';

// Frozen in time: never edit once landed; add a new migration instead.
export async function up(db: Kysely<any>): Promise<void> {
  // Every k a started survey was reported under: reports at a raised k keep hiding what each
  // earlier k hid (SPEC P2), since complementary patterns at two k need not nest.
  await db.schema
    .alterTable('surveys')
    .addColumn('earlier_group_sizes', sql`integer[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('surveys').dropColumn('earlier_group_sizes').execute();
}
