import { type Kysely, sql } from 'kysely';

// Frozen in time: never edit once landed; add a new migration instead.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('organizations')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('slug', 'text', (c) =>
      c
        .notNull()
        .unique()
        .check(sql`slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'`),
    )
    .addColumn('name', 'text', (c) => c.notNull().check(sql`length(name) between 1 and 200`))
    .addColumn('min_group_size', 'integer', (c) => c.notNull().check(sql`min_group_size >= 3`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('hr_accounts')
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(sql`gen_random_uuid()`))
    .addColumn('email', 'text', (c) => c.notNull().check(sql`email = lower(email) and length(email) <= 254`))
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('owner', 'admin', 'analyst')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('hr_accounts_pk', ['org_id', 'id'])
    .addUniqueConstraint('hr_accounts_email_uq', ['org_id', 'email'])
    .execute();

  await db.schema
    .createTable('sessions')
    .addColumn('org_id', 'uuid', (c) => c.notNull())
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(sql`gen_random_uuid()`))
    .addColumn('account_id', 'uuid', (c) => c.notNull())
    .addColumn('token_hash', 'bytea', (c) => c.notNull().unique())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addPrimaryKeyConstraint('sessions_pk', ['org_id', 'id'])
    .addForeignKeyConstraint('sessions_account_fk', ['org_id', 'account_id'], 'hr_accounts', ['org_id', 'id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
  await db.schema.createIndex('sessions_expires_idx').on('sessions').column('expires_at').execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (c) => c.notNull().check(sql`length(name) between 1 and 100`))
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('admin', 'analyst')`))
    .addColumn('key_hash', 'bytea', (c) => c.notNull().unique())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('revoked_at', 'timestamptz')
    .addPrimaryKeyConstraint('api_keys_pk', ['org_id', 'id'])
    .execute();

  // Failed logins are counted per (organization, keyed hash of the e-mail, client class) so that
  // unknown e-mails lock exactly like known ones (no account enumeration) and a device that once
  // logged in successfully keeps its own counter (an attacker cannot lock the owner out).
  await db.schema
    .createTable('login_throttles')
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('subject', 'bytea', (c) => c.notNull())
    .addColumn('client', 'text', (c) => c.notNull())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('window_started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('locked_until', 'timestamptz')
    .addPrimaryKeyConstraint('login_throttles_pk', ['org_id', 'subject', 'client'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['login_throttles', 'api_keys', 'sessions', 'hr_accounts', 'organizations']) {
    await db.schema.dropTable(table).execute();
  }
}
