import { type Kysely, sql } from 'kysely';

/**
 * Foreign keys that ran a trigger and a lookup for every row of a bulk insert: a wave opening
 * inserts up to 200,000 invitations, a roster import up to 100,000 participants. Measured at
 * 100,000 rows (bench/results.md, issue 16): the invitations' two keys 0.85 s of PostgreSQL's
 * 2.1 s, the participants' key 0.45 s of 1.2 s.
 */
const REFERENCES = [
  // child, its key, parent, the child's columns = the parent's
  ['invitations', 'invitations_wave_fk', 'waves', 'i.org_id = g.org_id and i.wave_id = g.id'],
  ['invitations', 'invitations_participant_fk', 'participants', 'i.org_id = g.org_id and i.participant_id = g.id'],
  ['participants', 'participants_org_id_fkey', 'organizations', 'i.org_id = g.id'],
] as const;

const KEYS_DOWN = {
  invitations_wave_fk: 'foreign key (org_id, wave_id) references waves (org_id, id) on delete cascade',
  invitations_participant_fk:
    'foreign key (org_id, participant_id) references participants (org_id, id) on delete cascade',
  participants_org_id_fkey: 'foreign key (org_id) references organizations (id) on delete cascade',
} as const;

// Frozen in time: never edit once landed; add a new migration instead.
export async function up(db: Kysely<any>): Promise<void> {
  // The references hold by construction: every invitation is written by issueInvitations inside
  // the transaction that created its wave (or holds it FOR SHARE, for a code pool) and read its
  // participants; importRoster takes its organization FOR KEY SHARE once, as the key did per row,
  // so a deletion of the organization waits for the import or makes it a 404. What the keys also
  // did, deleting the children with their parent, statement-level triggers keep: one set-based
  // delete per deleting statement.
  for (const [child, key, parent, joined] of REFERENCES) {
    await sql`alter table ${sql.table(child)} drop constraint ${sql.raw(key)}`.execute(db);
    await sql`
      create function ${sql.raw(`${key}_cascade`)}() returns trigger language plpgsql as $$
      begin
        delete from ${sql.raw(child)} i using gone g where ${sql.raw(joined)};
        return null;
      end $$`.execute(db);
    await sql`
      create trigger ${sql.raw(`${key}_cascade`)} after delete on ${sql.table(parent)}
      referencing old table as gone for each statement execute function ${sql.raw(`${key}_cascade`)}()`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const [child, key, parent] of REFERENCES) {
    await sql`drop trigger ${sql.raw(`${key}_cascade`)} on ${sql.table(parent)}`.execute(db);
    await sql`drop function ${sql.raw(`${key}_cascade`)}()`.execute(db);
    await sql`alter table ${sql.table(child)} add constraint ${sql.raw(key)} ${sql.raw(KEYS_DOWN[key])}`.execute(db);
  }
}
