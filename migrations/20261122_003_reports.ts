import { type Kysely, sql } from 'kysely';

// Frozen in time: never edit once landed; add a new migration instead.
export async function up(db: Kysely<any>): Promise<void> {
  // Counters maintained by the mixer in the same transaction that releases responses: per wave,
  // per released attribute combination (each stands for >= k responses), per question and value.
  // question_id '' counts respondents; value '' counts those who answered the question.
  await db.schema
    .createTable('answer_counts')
    .addColumn('org_id', 'uuid', (c) => c.notNull())
    .addColumn('wave_id', 'uuid', (c) => c.notNull())
    .addColumn('combo', 'jsonb', (c) => c.notNull())
    .addColumn('question_id', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('n', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('answer_counts_pk', ['org_id', 'wave_id', 'combo', 'question_id', 'value'])
    .addForeignKeyConstraint('answer_counts_wave_fk', ['org_id', 'wave_id'], 'waves', ['org_id', 'id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();

  // An analyst may be limited to one segment, e.g. {"dimension":"department","value":"Support"}.
  await db.schema.alterTable('hr_accounts').addColumn('scope', 'jsonb').execute();
  // Pairs of dimensions the organization allows to be crossed, e.g. [["department","location"]].
  await db.schema
    .alterTable('organizations')
    .addColumn('reportable_pairs', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .execute();
  // Comments may need a larger group than numbers (Glint's default is 10).
  await db.schema
    .alterTable('organizations')
    .addColumn('comment_min_group_size', 'integer', (c) => c.check(sql`comment_min_group_size >= 3`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('organizations').dropColumn('comment_min_group_size').execute();
  await db.schema.alterTable('organizations').dropColumn('reportable_pairs').execute();
  await db.schema.alterTable('hr_accounts').dropColumn('scope').execute();
  await db.schema.dropTable('answer_counts').execute();
}
