import { type Kysely, sql } from 'kysely';

// Frozen in time: never edit once landed; add a new migration instead.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('attribute_dimensions')
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull().check(sql`key ~ '^[a-z][a-z0-9_]{0,39}$'`))
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('reportable', 'boolean', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('attribute_dimensions_pk', ['org_id', 'key'])
    .execute();

  await db.schema
    .createTable('participants')
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(sql`gen_random_uuid()`))
    .addColumn('external_id', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('name', 'text')
    .addColumn('active', 'boolean', (c) => c.notNull())
    .addColumn('attributes', 'jsonb', (c) => c.notNull())
    .addPrimaryKeyConstraint('participants_pk', ['org_id', 'id'])
    .addUniqueConstraint('participants_external_id_uq', ['org_id', 'external_id'])
    .execute();

  await db.schema
    .createTable('surveys')
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(sql`gen_random_uuid()`))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('draft', 'open', 'closed')`))
    .addColumn('definition', 'jsonb', (c) => c.notNull())
    .addColumn('audience', 'jsonb', (c) => c.notNull())
    .addColumn('min_group_size', 'integer', (c) => c.notNull().check(sql`min_group_size >= 3`))
    .addColumn('schedule', 'text', (c) => c.check(sql`schedule in ('weekly', 'biweekly', 'monthly')`))
    .addColumn('template', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('surveys_pk', ['org_id', 'id'])
    .execute();

  await db.schema
    .createTable('waves')
    .addColumn('org_id', 'uuid', (c) => c.notNull())
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(sql`gen_random_uuid()`))
    .addColumn('survey_id', 'uuid', (c) => c.notNull())
    .addColumn('number', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('open', 'closed')`))
    // Days only: nothing about a wave needs finer time (SPEC P1).
    .addColumn('opened_on', 'date', (c) => c.notNull().defaultTo(sql`current_date`))
    .addColumn('closed_on', 'date')
    .addPrimaryKeyConstraint('waves_pk', ['org_id', 'id'])
    .addUniqueConstraint('waves_number_uq', ['org_id', 'survey_id', 'number'])
    .addForeignKeyConstraint('waves_survey_fk', ['org_id', 'survey_id'], 'surveys', ['org_id', 'id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
  // At most one open wave per survey.
  await sql`create unique index waves_one_open_uq on waves (org_id, survey_id) where status = 'open'`.execute(db);

  // An invitation knows its participant (HR knows whom it invited) but never whether it was used:
  // spending leaves no trace on this row. Token and code are stored only as keyed hashes (SPEC P5).
  await db.schema
    .createTable('invitations')
    .addColumn('org_id', 'uuid', (c) => c.notNull())
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(sql`gen_random_uuid()`))
    .addColumn('wave_id', 'uuid', (c) => c.notNull())
    .addColumn('participant_id', 'uuid')
    .addColumn('token_hash', 'bytea', (c) => c.notNull())
    .addColumn('code_hash', 'bytea', (c) => c.notNull())
    .addColumn('attributes', 'jsonb', (c) => c.notNull())
    .addColumn('revoked', 'boolean', (c) => c.notNull().defaultTo(false))
    .addPrimaryKeyConstraint('invitations_pk', ['org_id', 'id'])
    .addUniqueConstraint('invitations_token_uq', ['token_hash'])
    .addUniqueConstraint('invitations_code_uq', ['org_id', 'code_hash'])
    .addForeignKeyConstraint('invitations_wave_fk', ['org_id', 'wave_id'], 'waves', ['org_id', 'id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .addForeignKeyConstraint(
      'invitations_participant_fk',
      ['org_id', 'participant_id'],
      'participants',
      ['org_id', 'id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();
  await db.schema.createIndex('invitations_wave_idx').on('invitations').columns(['org_id', 'wave_id']).execute();
  await db.schema
    .createIndex('invitations_participant_idx')
    .on('invitations')
    .columns(['org_id', 'participant_id'])
    .execute();

  // Who answered, readable only with the application secret: marker = HMAC(secret, invitation id).
  await db.schema
    .createTable('participation')
    .addColumn('org_id', 'uuid', (c) => c.notNull())
    .addColumn('wave_id', 'uuid', (c) => c.notNull())
    .addColumn('marker', 'bytea', (c) => c.notNull())
    .addPrimaryKeyConstraint('participation_pk', ['org_id', 'wave_id', 'marker'])
    .addForeignKeyConstraint('participation_wave_fk', ['org_id', 'wave_id'], 'waves', ['org_id', 'id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();

  // Answers waiting for release, encrypted with an application key (AES-256-GCM).
  await db.schema
    .createTable('sealed_responses')
    .addColumn('org_id', 'uuid', (c) => c.notNull())
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(sql`gen_random_uuid()`))
    .addColumn('wave_id', 'uuid', (c) => c.notNull())
    .addColumn('sealed', 'bytea', (c) => c.notNull())
    .addPrimaryKeyConstraint('sealed_responses_pk', ['org_id', 'id'])
    .addForeignKeyConstraint('sealed_responses_wave_fk', ['org_id', 'wave_id'], 'waves', ['org_id', 'id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
  await db.schema
    .createIndex('sealed_responses_wave_idx')
    .on('sealed_responses')
    .columns(['org_id', 'wave_id'])
    .execute();
  // Released box rows are deleted; vacuum them promptly so their bytes do not linger on disk.
  await sql`alter table sealed_responses set (autovacuum_vacuum_threshold = 20, autovacuum_vacuum_scale_factor = 0)`.execute(
    db,
  );

  // Released responses: generalised attributes and answers, nothing else — no time, no token.
  await db.schema
    .createTable('responses')
    .addColumn('org_id', 'uuid', (c) => c.notNull())
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(sql`gen_random_uuid()`))
    .addColumn('survey_id', 'uuid', (c) => c.notNull())
    .addColumn('wave_id', 'uuid', (c) => c.notNull())
    .addColumn('attributes', 'jsonb', (c) => c.notNull())
    .addColumn('answers', 'jsonb', (c) => c.notNull())
    .addPrimaryKeyConstraint('responses_pk', ['org_id', 'id'])
    .addForeignKeyConstraint('responses_wave_fk', ['org_id', 'wave_id'], 'waves', ['org_id', 'id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
  await db.schema.createIndex('responses_wave_idx').on('responses').columns(['org_id', 'wave_id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'responses',
    'sealed_responses',
    'participation',
    'invitations',
    'waves',
    'surveys',
    'participants',
    'attribute_dimensions',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
