import { type Kysely, sql } from 'kysely';

// Frozen in time: never edit once landed; add a new migration instead.
export async function up(db: Kysely<any>): Promise<void> {
  // Roster stuffing (issue 13, docs/reports.md): reports must know which tokens HR itself holds and
  // which participants joined the roster while a survey ran. Both are properties of the roster and
  // of the invitation, never of a response (P1: responses stay unlinked).
  await db.schema.alterTable('participants').addColumn('joined_at', 'timestamptz').execute();
  // Rows already there count as joined before any survey opened (null), so an upgrade marks no
  // existing participant as a roster addition; new rows and reactivated leavers get the time.
  await db.schema
    .alterTable('participants')
    .alterColumn('joined_at', (c) => c.setDefault(sql`now()`))
    .execute();
  await db.schema.alterTable('surveys').addColumn('first_opened_at', 'timestamptz').execute();
  await sql`
    update surveys s set first_opened_at = w.opened_on::timestamptz
    from waves w where w.org_id = s.org_id and w.survey_id = s.id and w.number = 1`.execute(db);

  // held_by_hr: the plaintext token went to HR (a pool code, or a link in HR's distribution).
  // roster_addition: the participant joined the roster after the survey first opened.
  await db.schema
    .alterTable('invitations')
    .addColumn('held_by_hr', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('roster_addition', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
  // What HR held before this was recorded follows from the delivery: every pool code, every link
  // of a download survey, and those an e-mail survey could not mail (no address today).
  await sql`
    update invitations i set held_by_hr = true
    from waves w join surveys s on s.org_id = w.org_id and s.id = w.survey_id
    where w.org_id = i.org_id and w.id = i.wave_id
      and (i.participant_id is null or s.delivery = 'download'
        or exists (select 1 from participants p where p.org_id = i.org_id and p.id = i.participant_id and p.email is null))`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('invitations').dropColumn('held_by_hr').dropColumn('roster_addition').execute();
  await db.schema.alterTable('surveys').dropColumn('first_opened_at').execute();
  await db.schema.alterTable('participants').dropColumn('joined_at').execute();
}
