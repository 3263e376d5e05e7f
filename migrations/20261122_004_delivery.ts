import { type Kysely, sql } from 'kysely';

// Frozen in time: never edit once landed; add a new migration instead.
export async function up(db: Kysely<any>): Promise<void> {
  // Mail waiting to be sent. The whole message (recipient included) is sealed with an application
  // key: a database reader sees neither who is invited or reminded nor the links (SPEC P5, P7).
  await db.schema
    .createTable('mail_outbox')
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(sql`gen_random_uuid()`))
    .addColumn('sealed', 'bytea', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('not_before', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('locked_until', 'timestamptz')
    .addPrimaryKeyConstraint('mail_outbox_pk', ['org_id', 'id'])
    .execute();
  await db.schema.createIndex('mail_outbox_due_idx').on('mail_outbox').column('not_before').execute();

  await db.schema
    .alterTable('surveys')
    .addColumn('reminder_after_days', 'integer', (c) => c.check(sql`reminder_after_days between 1 and 60`))
    .execute();
  await db.schema
    .alterTable('surveys')
    .addColumn('delivery', 'text', (c) =>
      c
        .notNull()
        .defaultTo('download')
        .check(sql`delivery in ('download', 'email')`),
    )
    .execute();
  await db.schema.alterTable('waves').addColumn('reminded_on', 'date').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('waves').dropColumn('reminded_on').execute();
  await db.schema.alterTable('surveys').dropColumn('delivery').execute();
  await db.schema.alterTable('surveys').dropColumn('reminder_after_days').execute();
  await db.schema.dropTable('mail_outbox').execute();
}
