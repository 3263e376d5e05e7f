import { type Kysely, sql } from 'kysely';

// Frozen in time: never edit once landed; add a new migration instead.
export async function up(db: Kysely<any>): Promise<void> {
  // Issue 16: a roster import writes up to 100,000 participants, and the foreign key to their
  // organization ran a trigger and a lookup of the same row for each: about 0.45 s of the import's
  // 1.5 s in PostgreSQL at 100,000 (bench/results.md). importRoster takes that one lock itself, once
  // per import (FOR KEY SHARE, as the key did), so a deletion of the organization still waits for
  // the import or makes it fail; the cascade is kept by a statement-level trigger.
  await sql`alter table participants drop constraint participants_org_id_fkey`.execute(db);
  await sql`
    create function participants_go_with_organizations() returns trigger language plpgsql as $$
    begin
      delete from participants p using gone g where p.org_id = g.id;
      return null;
    end $$`.execute(db);
  await sql`
    create trigger organizations_delete_participants after delete on organizations
    referencing old table as gone for each statement execute function participants_go_with_organizations()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger organizations_delete_participants on organizations`.execute(db);
  await sql`drop function participants_go_with_organizations()`.execute(db);
  await sql`alter table participants add constraint participants_org_id_fkey foreign key (org_id) references organizations (id) on delete cascade`.execute(
    db,
  );
}
