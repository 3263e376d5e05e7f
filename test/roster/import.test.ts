import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { bearer, buildOrganization, tokenFor, type TestOrg } from '../helpers/factories.ts';
import { declareDimensions, importCsv, rosterCsv } from '../helpers/roster.ts';

let t: TestApp;
let org: TestOrg;
let admin: string;

beforeAll(async () => {
  t = await buildTestApp();
  org = await buildOrganization(t.app);
  admin = await tokenFor(t.app, org, 'admin');
  await declareDimensions(t.app, admin);
});
afterAll(() => t.close());

const participantCount = async (orgId: string, active?: boolean) => {
  let q = t.app.db
    .selectFrom('participants')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('org_id', '=', orgId);
  if (active !== undefined) q = q.where('active', '=', active);
  return (await q.executeTakeFirstOrThrow()).n;
};

describe('POST /v1/roster/import', () => {
  it('when the synthetic roster is imported as CSV, then every row is stored and Korean and Polish names round-trip', async () => {
    const csv = rosterCsv(500);
    const response = await importCsv(t.app, admin, csv);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ inserted: 500, updated: 0, deactivated: 0, revokedInvitations: 0 });
    const lines = csv.trim().split('\n').slice(1);
    const names = new Set(lines.map((l) => l.split(',')[2]));
    const stored = await t.app.db
      .selectFrom('participants')
      .select(['name', 'attributes'])
      .where('org_id', '=', org.id)
      .execute();
    expect(new Set(stored.map((s) => s.name))).toEqual(names);
    expect(stored.some((s) => /[가-힣]/.test(s.name ?? ''))).toBe(true);
    expect(stored.some((s) => /[ąćęłńóśźż]/i.test(s.name ?? ''))).toBe(true);
    expect(stored.some((s) => s.attributes.location === 'Kraków')).toBe(true);
  });

  it('when the same file is imported again, then rows are updated, not duplicated', async () => {
    const response = await importCsv(t.app, admin, rosterCsv(500));
    expect(response.json()).toMatchObject({ inserted: 0, updated: 500 });
    expect(await participantCount(org.id)).toBe(500);
  });

  it('when a sync import leaves people out, then they are deactivated (leavers) and the rest stay active', async () => {
    const csv = rosterCsv(500).trim().split('\n').slice(0, 451).join('\n');
    const response = await importCsv(t.app, admin, csv, 'sync');
    expect(response.json()).toMatchObject({ updated: 450, deactivated: 50 });
    expect(await participantCount(org.id, true)).toBe(450);
    const back = await importCsv(t.app, admin, rosterCsv(500), 'upsert');
    expect(back.json()).toMatchObject({ updated: 500 });
    expect(await participantCount(org.id, true)).toBe(500);
  });

  it('when a sync import holds no row (a header only), then it is refused and nobody is deactivated', async () => {
    const header = rosterCsv(1).split('\n')[0]!;
    const response = await importCsv(t.app, admin, `${header}\n`, 'sync');
    expect(response.statusCode).toBe(422);
    expect(response.json().rows).toEqual([{ row: 1, field: 'file', reason: 'a sync needs at least one row' }]);
    expect(await participantCount(org.id, true)).toBe(500);
  });

  it('when rows are bad, then 422 lists row, field and reason, and nothing changes', async () => {
    const other = await buildOrganization(t.app);
    const token = await tokenFor(t.app, other, 'admin');
    await declareDimensions(t.app, token);
    const csv = [
      'external_id,email,name,department',
      'E1,a@x.example,Ana,Support',
      'E2,not-an-email,Bo,Support',
      ',c@x.example,Cy,Sales',
      'E1,d@x.example,Di,Sales',
      `E5,,${'x'.repeat(201)},Sales`,
    ].join('\n');
    const response = await importCsv(t.app, token, csv);
    expect(response.statusCode).toBe(422);
    expect(response.headers['content-type']).toMatch(/problem\+json/);
    expect(response.json().code).toBe('import-rejected');
    expect(response.json().rows).toEqual([
      { row: 3, field: 'email', reason: 'is not an e-mail address' },
      { row: 4, field: 'external_id', reason: 'is required' },
      { row: 5, field: 'external_id', reason: 'duplicates row 2' },
      { row: 6, field: 'name', reason: 'is longer than 200 characters' },
    ]);
    expect(await participantCount(other.id)).toBe(0);
  });

  it('when a column is not a declared dimension, then 422 names it on row 1', async () => {
    const response = await importCsv(t.app, admin, 'external_id,salary\nE1,100\n');
    expect(response.statusCode).toBe(422);
    expect(response.json().rows).toEqual([
      { row: 1, field: 'salary', reason: expect.stringContaining('not a declared') },
    ]);
  });

  it('when the CSV is malformed, then 422 and not 500', async () => {
    const response = await importCsv(t.app, admin, 'external_id,department\nE1,"unclosed\n');
    expect(response.statusCode).toBe(422);
  });

  it('when a value holds a NUL byte or a lone surrogate, then 422 rather than a database error', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/roster/import',
      headers: bearer(admin),
      payload: [
        { externalId: 'N1', attributes: { department: 'Sup\u0000port' } },
        { externalId: 'N2', name: '\ud800x' },
      ],
    });
    expect(response.statusCode).toBe(422);
    expect(response.json().rows.map((r: { field: string }) => r.field)).toEqual(['department', 'name']);
  });

  it('when JSON rows are posted, then they upsert like CSV rows', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/roster/import',
      headers: bearer(admin),
      payload: [
        {
          externalId: 'J1',
          email: 'J1@Example.com',
          name: 'Łucja Wójcik',
          attributes: { department: 'Legal', location: 'Gdańsk' },
        },
      ],
    });
    expect(response.json()).toMatchObject({ inserted: 1 });
    const row = await t.app.db
      .selectFrom('participants')
      .selectAll()
      .where('org_id', '=', org.id)
      .where('external_id', '=', 'J1')
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      email: 'j1@example.com',
      name: 'Łucja Wójcik',
      attributes: { department: 'Legal', location: 'Gdańsk' },
    });
  });

  it('when an analyst imports, then 403 and nothing changes', async () => {
    const analyst = await tokenFor(t.app, org, 'analyst');
    const before = await participantCount(org.id);
    expect((await importCsv(t.app, analyst, 'external_id\nZ1\n')).statusCode).toBe(403);
    expect(await participantCount(org.id)).toBe(before);
  });

  it('when 20,000 rows are imported, then all arrive in one all-or-nothing upsert', async () => {
    const other = await buildOrganization(t.app);
    const token = await tokenFor(t.app, other, 'admin');
    await declareDimensions(t.app, token);
    const response = await importCsv(t.app, token, rosterCsv(20_000, 7));
    expect(response.json()).toMatchObject({ inserted: 20_000 });
    expect(await participantCount(other.id)).toBe(20_000);
  });
});

describe('POST /v1/roster/import content types', () => {
  it('when the roster is sent as text/plain, then 415 problem+json and nothing is stored', async () => {
    const other = await buildOrganization(t.app);
    const owner = await tokenFor(t.app, other, 'owner');
    await declareDimensions(t.app, owner);
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/roster/import',
      headers: { ...bearer(owner), 'content-type': 'text/plain' },
      payload: rosterCsv(5),
    });
    expect(response.statusCode, response.body).toBe(415);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ code: 'unsupported-media-type' });
    expect(await participantCount(other.id)).toBe(0);
  });

  it('when the roster is sent as text/csv or as JSON, then both are imported', async () => {
    const other = await buildOrganization(t.app);
    const owner = await tokenFor(t.app, other, 'owner');
    await declareDimensions(t.app, owner);
    expect((await importCsv(t.app, owner, rosterCsv(5))).statusCode).toBe(200);
    const json = await t.app.inject({
      method: 'POST',
      url: '/v1/roster/import',
      headers: bearer(owner),
      payload: [{ externalId: 'J1', name: 'Jo' }],
    });
    expect(json.statusCode, json.body).toBe(200);
    expect(await participantCount(other.id)).toBe(6);
  });
});
