import { type Kysely, sql } from 'kysely';

// Frozen in time: never edit once landed; add a new migration instead.
export async function up(db: Kysely<any>): Promise<void> {
  // Issue 16: a wave opening inserts up to 200,000 invitations, and each of their two foreign keys
  // ran a trigger and an index lookup per row: 850 ms of PostgreSQL's 2.1 s for 100,000
  // (bench/results.md). Every invitation is written by issueInvitations inside the transaction that
  // created its wave (or holds it FOR SHARE, for a code pool) and read its participants, so both
  // references hold by construction. What the keys also did, deleting invitations with their wave
  // or participant, two statement-level triggers keep: one set-based delete per deleting statement.
  await sql`alter table invitations drop constraint invitations_wave_fk, drop constraint invitations_participant_fk`.execute(
    db,
  );
  await sql`
    create function invitations_go_with_waves() returns trigger language plpgsql as $$
    begin
      delete from invitations i using gone g where i.org_id = g.org_id and i.wave_id = g.id;
      return null;
    end $$`.execute(db);
  await sql`
    create trigger waves_delete_invitations after delete on waves
    referencing old table as gone for each statement execute function invitations_go_with_waves()`.execute(db);
  await sql`
    create function invitations_go_with_participants() returns trigger language plpgsql as $$
    begin
      delete from invitations i using gone g where i.org_id = g.org_id and i.participant_id = g.id;
      return null;
    end $$`.execute(db);
  await sql`
    create trigger participants_delete_invitations after delete on participants
    referencing old table as gone for each statement execute function invitations_go_with_participants()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger participants_delete_invitations on participants`.execute(db);
  await sql`drop function invitations_go_with_participants()`.execute(db);
  await sql`drop trigger waves_delete_invitations on waves`.execute(db);
  await sql`drop function invitations_go_with_waves()`.execute(db);
  await sql`
    alter table invitations
      add constraint invitations_wave_fk foreign key (org_id, wave_id) references waves (org_id, id) on delete cascade,
      add constraint invitations_participant_fk foreign key (org_id, participant_id) references participants (org_id, id) on delete cascade`.execute(
    db,
  );
}
