import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createDb } from '../../src/db/connection.ts';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Migrator, type Migration } from 'kysely/migration';
import { MIGRATIONS_DIR, migrateToLatest, pendingMigrations } from '../../src/db/migrator.ts';
import { buildApp, type App } from '../../src/app.ts';
import { createTestDatabase, testConfig } from '../helpers/app.ts';

describe('migrations on an empty database', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let app: App;

  beforeAll(async () => {
    database = await createTestDatabase({ empty: true });
    app = await buildApp(testConfig(database.url));
  });
  afterAll(async () => {
    await app.close();
    await database.drop();
  });

  it('when migrations are pending, then /readyz answers 503 migrations-pending', async () => {
    expect((await pendingMigrations(app.db)).length).toBeGreaterThan(0);
    const response = await app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ code: 'migrations-pending' });
  });

  it('when migrated up from empty, then nothing is pending, /readyz is ok and a second run is a no-op', async () => {
    expect((await migrateToLatest(app.db)).length).toBeGreaterThan(0);
    expect(await pendingMigrations(app.db)).toEqual([]);
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    expect(await migrateToLatest(app.db)).toEqual([]);
  });

  it('when the schema is read, then every tenant table leads its primary key with org_id (sharding by organization)', async () => {
    const db = createDb({ connectionString: database.url, max: 1 });
    const { rows } = await sql<{ table: string; first: string }>`
      select c.relname as table, a.attname as first
      from pg_constraint k
      join pg_class c on c.oid = k.conrelid
      join pg_namespace n on n.oid = c.relnamespace and n.nspname = 'public'
      join pg_attribute a on a.attrelid = k.conrelid and a.attnum = k.conkey[1]
      where k.contype = 'p' and c.relname not like 'kysely_%'
    `.execute(db);
    await db.destroy();
    expect(rows.length).toBeGreaterThan(3);
    // Not tenant data: the shared code-guessing budgets (one spans every organization) are keyed by
    // a keyed hash on purpose, so the table does not even say which organization was tried.
    const notTenantData = new Set(['code_guess_windows']);
    for (const row of rows.filter((r) => !notTenantData.has(r.table)))
      expect(row.first, row.table).toBe(row.table === 'organizations' ? 'id' : 'org_id');
  });
});

describe('20261201_003_frozen_reporting', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    database = await createTestDatabase({ empty: true });
  });
  afterAll(() => database.drop());

  it("P3 when surveys exist before it, then each opened one gets its organization's configuration as it stands and drafts stay null", async () => {
    const db = createDb({ connectionString: database.url, max: 1 });
    try {
      // Migrate to the one before, as a database of that time.
      const files = (await readdir(MIGRATIONS_DIR)).filter((f) => /^\d{8}_\d{3}_[\w-]+\.ts$/.test(f)).sort();
      const before = files.slice(0, files.indexOf('20261201_003_frozen_reporting.ts'));
      const migrations: Record<string, Migration> = {};
      for (const file of before)
        migrations[file.replace(/\.ts$/, '')] = (await import(
          pathToFileURL(path.join(MIGRATIONS_DIR, file)).href
        )) as Migration;
      const { error } = await new Migrator({
        db,
        provider: { getMigrations: async () => migrations },
      }).migrateToLatest();
      expect(error).toBeUndefined();

      const { rows: orgs } = await sql<{ id: string }>`
        insert into organizations (slug, name, min_group_size, reportable_pairs, comment_min_group_size)
        values ('mig', 'Mig', 5, '[["department","location"],["department","level"]]', 10) returning id`.execute(db);
      const orgId = orgs[0]!.id;
      await sql`insert into attribute_dimensions (org_id, key, label, reportable, position) values
        (${orgId}, 'location', 'Location', true, 1), (${orgId}, 'department', 'Department', true, 0),
        (${orgId}, 'level', 'Level', false, 2)`.execute(db);
      const { rows: surveys } = await sql<{ id: string; status: string }>`
        insert into surveys (org_id, status, definition, audience, min_group_size)
        select ${orgId}, s, '{"questions":[]}', '{"filter":{}}', 5 from unnest(array['draft','open','closed']) s
        returning id, status`.execute(db);

      await migrateToLatest(db);
      const { rows } = await sql<{ status: string; reporting: unknown }>`
        select status, reporting from surveys where org_id = ${orgId}`.execute(db);
      const reporting = Object.fromEntries(rows.map((r) => [r.status, r.reporting]));
      const fixed = {
        dimensions: ['department', 'location'],
        pairs: [['department', 'location']],
        commentMinGroupSize: 10,
      };
      expect(reporting).toEqual({ draft: null, open: fixed, closed: fixed });
      // An opened survey always has one; a draft never does.
      const draft = surveys.find((s) => s.status === 'draft')!.id;
      await expect(sql`update surveys set status = 'open' where id = ${draft}`.execute(db)).rejects.toThrow(
        /surveys_reporting_once_opened/,
      );
    } finally {
      await db.destroy();
    }
  });
});
