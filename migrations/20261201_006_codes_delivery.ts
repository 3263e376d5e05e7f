import { type Kysely, sql } from 'kysely';

// Frozen in time: never edit once landed; add a new migration instead.
export async function up(db: Kysely<any>): Promise<void> {
  // SPEC P7: by default HR never holds a token tied to a named person. A `codes` survey invites no
  // one by name: HR asks for anonymous kiosk codes per segment (capped by the segment's people).
  // The column default goes: a new survey's delivery is always chosen by the service.
  const checks = await sql<{ conname: string }>`
    select conname from pg_constraint
    where conrelid = 'surveys'::regclass and contype = 'c' and pg_get_constraintdef(oid) like '%delivery%'`.execute(db);
  for (const { conname } of checks.rows) await sql`alter table surveys drop constraint ${sql.id(conname)}`.execute(db);
  await sql`alter table surveys add constraint surveys_delivery_check check (delivery in ('download', 'email', 'codes'))`.execute(
    db,
  );
  await sql`alter table surveys alter column delivery drop default`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`update surveys set delivery = 'download' where delivery = 'codes'`.execute(db);
  await sql`alter table surveys drop constraint surveys_delivery_check`.execute(db);
  await sql`alter table surveys add constraint surveys_delivery_check check (delivery in ('download', 'email'))`.execute(
    db,
  );
  await sql`alter table surveys alter column delivery set default 'download'`.execute(db);
}
