import type { Kysely } from 'kysely';

// Frozen in time: never edit once landed; add a new migration instead.
export async function up(db: Kysely<any>): Promise<void> {
  // SPEC P1 (T3, crypto-shredding): which key epoch a wave's boxes are sealed under. Only the
  // number: the keys themselves live outside PostgreSQL (BOX_KEY_DIR), so WAL archives and
  // backups never hold them. A submit reads this row FOR SHARE and a release updates it, so a
  // box is never sealed under a key a concurrent release is about to destroy.
  await db.schema
    .createTable('sealed_box_epochs')
    .addColumn('org_id', 'uuid', (c) => c.notNull())
    .addColumn('wave_id', 'uuid', (c) => c.notNull())
    .addColumn('epoch', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('sealed_box_epochs_pk', ['org_id', 'wave_id'])
    .addForeignKeyConstraint('sealed_box_epochs_wave_fk', ['org_id', 'wave_id'], 'waves', ['org_id', 'id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('sealed_box_epochs').execute();
}
