import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createDb } from '../../src/db/connection.ts';
import { migrateToLatest, pendingMigrations } from '../../src/db/migrator.ts';
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
    for (const row of rows) expect(row.first, row.table).toBe(row.table === 'organizations' ? 'id' : 'org_id');
  });
});
