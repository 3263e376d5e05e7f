import type { Kysely } from 'kysely';

// Frozen in time: never edit once landed; add a new migration instead.
export async function up(db: Kysely<any>): Promise<void> {
  // SPEC P7: opening a spent token looks like opening an unspent one; only a submit tells, and a
  // submit on a token already spent is counted here, per wave, so that probing shows (in reports,
  // to HR, from k; and on the employee's protection page). One counter per wave, no per-token row,
  // sealed and rewritten on a schedule (src/responses/contests.ts): never at the moment of a contest.
  await db.schema
    .createTable('contested_invitations')
    .addColumn('org_id', 'uuid', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
    .addColumn('wave_id', 'uuid', (c) => c.notNull())
    .addColumn('sealed', 'bytea', (c) => c.notNull())
    .addPrimaryKeyConstraint('contested_invitations_pkey', ['org_id', 'wave_id'])
    .addForeignKeyConstraint('contested_invitations_wave_fkey', ['org_id', 'wave_id'], 'waves', ['org_id', 'id'], (c) =>
      c.onDelete('cascade'),
    )
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('contested_invitations').execute();
}
