import { type Kysely, sql } from 'kysely';

const TRIGGERS = [
  ['waves', 'update', 'org_id'],
  ['invitations', 'update', 'org_id'],
  ['surveys', 'update', 'org_id'],
  ['organizations', 'update', 'id'],
  ['organizations', 'delete', 'id'],
] as const;

// Frozen in time: never edit once landed; add a new migration instead.
export async function up(db: Kysely<any>): Promise<void> {
  // Issue 16: each instance keeps the open waves a survey fetch needs (src/responses/open-waves.ts)
  // and reads them every two seconds. The revoked invitations of a wave are a few among thousands:
  // this index finds them without reading the rest.
  await sql`create index invitations_revoked_idx on invitations (org_id, wave_id) where revoked`.execute(db);
  // And every change to what that view holds tells every instance at once, whichever code made it:
  // a wave closed, an invitation revoked, k raised, an organization renamed or deleted. Only HR and
  // the scheduler write these tables (an employee's request never does, so no answer's moment is
  // in a notice). A notice names the organization, nothing else, and is sent at the commit.
  for (const column of ['org_id', 'id']) {
    await sql`
      create function ${sql.raw(`notify_respondent_view_by_${column}`)}() returns trigger language plpgsql as $$
      begin
        perform pg_notify('quorum_respondents', d.org::text) from (select distinct ${sql.raw(column)} as org from changed) d;
        return null;
      end $$`.execute(db);
  }
  for (const [table, event, column] of TRIGGERS) {
    await sql`
      create trigger ${sql.raw(`${table}_${event}_notify_respondent_view`)} after ${sql.raw(event)} on ${sql.raw(table)}
      referencing ${sql.raw(event === 'delete' ? 'old' : 'new')} table as changed
      for each statement execute function ${sql.raw(`notify_respondent_view_by_${column}`)}()`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const [table, event] of TRIGGERS)
    await sql`drop trigger ${sql.raw(`${table}_${event}_notify_respondent_view`)} on ${sql.raw(table)}`.execute(db);
  for (const column of ['org_id', 'id'])
    await sql`drop function ${sql.raw(`notify_respondent_view_by_${column}`)}()`.execute(db);
  await sql`drop index invitations_revoked_idx`.execute(db);
}
