import type { App } from '../../src/app.ts';
import { rosterCsv } from '../fixtures/roster.ts';
import { bearer, buildOrganization, tokenFor, type TestOrg } from './factories.ts';

export { rosterCsv };

export const ROSTER_DIMENSIONS = [
  { key: 'department', reportable: true },
  { key: 'location', reportable: true },
  { key: 'tenure_band', reportable: true },
  { key: 'level', reportable: false },
  { key: 'team', reportable: false },
  { key: 'role_type', reportable: false },
];

export async function declareDimensions(app: App, token: string, dimensions = ROSTER_DIMENSIONS) {
  const response = await app.inject({
    method: 'PUT',
    url: '/v1/roster/dimensions',
    headers: bearer(token),
    payload: dimensions,
  });
  if (response.statusCode !== 200) throw new Error(response.body);
}

export async function importCsv(app: App, token: string, csv: string, mode: 'upsert' | 'sync' = 'upsert') {
  return app.inject({
    method: 'POST',
    url: `/v1/roster/import?mode=${mode}`,
    headers: { ...bearer(token), 'content-type': 'text/csv' },
    payload: csv,
  });
}

/** A fresh organization whose admin declared the roster's dimensions and imported `people` of it. */
export async function rosteredOrganization(
  app: App,
  people: number,
  seed?: number,
): Promise<{ org: TestOrg; admin: string }> {
  const org = await buildOrganization(app);
  const admin = await tokenFor(app, org, 'admin');
  await declareDimensions(app, admin);
  const imported = await importCsv(app, admin, rosterCsv(people, seed));
  if (imported.statusCode !== 200) throw new Error(imported.body);
  return { org, admin };
}

/**
 * A fresh organization (k floor 3) whose people, imported as P0, P1, …, have only a department
 * and a location, both reportable — optionally declared as a pair: the smallest roster on which
 * disclosure attacks are written.
 */
export async function departmentLocationOrganization(
  app: App,
  people: ReadonlyArray<{ department: string; location: string }>,
  options: { pair?: boolean } = {},
): Promise<{ org: TestOrg; owner: string }> {
  const org = await buildOrganization(app, { minGroupSize: 3 });
  const owner = await tokenFor(app, org, 'owner');
  await declareDimensions(app, owner, [
    { key: 'department', reportable: true },
    { key: 'location', reportable: true },
  ]);
  if (options.pair) {
    const patched = await app.inject({
      method: 'PATCH',
      url: '/v1/organization',
      headers: bearer(owner),
      payload: { reportablePairs: [['department', 'location']] },
    });
    if (patched.statusCode !== 200) throw new Error(patched.body);
  }
  const rows = people.map((p, i) => ({
    externalId: `P${i}`,
    attributes: { department: p.department, location: p.location },
  }));
  const imported = await app.inject({
    method: 'POST',
    url: '/v1/roster/import',
    headers: bearer(owner),
    payload: rows,
  });
  if (imported.statusCode !== 200) throw new Error(imported.body);
  return { org, owner };
}

/**
 * Joins `count` people without e-mail to the roster (e.g. kiosk staff after a wave opened): whom a
 * code pool may stand for, since a pool may not exceed the segment's uninvited people (issue 13).
 */
export async function addRosterPeople(
  app: App,
  token: string,
  count: number,
  attributes: Record<string, string>,
  prefix = `K${Math.random().toString(36).slice(2, 8)}-`,
) {
  const rows = Array.from({ length: count }, (_, i) => ({ externalId: `${prefix}${i}`, attributes }));
  const imported = await app.inject({
    method: 'POST',
    url: '/v1/roster/import',
    headers: bearer(token),
    payload: rows,
  });
  if (imported.statusCode !== 200) throw new Error(imported.body);
}
