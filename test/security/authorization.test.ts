import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { bearer, buildAccount, buildOrganization, tokenFor, type TestOrg } from '../helpers/factories.ts';
import { declareDimensions, importCsv, rosterCsv } from '../helpers/roster.ts';
import { createSurvey, openWave } from '../helpers/surveys.ts';

/**
 * SPEC P8 and OWASP API1/API5, walked over every operation of the OpenAPI document: who may call
 * it (by role), and that another organization's credentials never reach this organization's
 * resources. A route added without a line here fails the test.
 */
type Access = 'public' | 'analyst' | 'admin' | 'owner' | 'admin-person' | 'analyst-person';
const ACCESS: Record<string, Access> = {
  'GET /healthz': 'public',
  'GET /readyz': 'public',
  'POST /v1/auth/login': 'public',
  'POST /v1/auth/logout': 'analyst',
  'GET /v1/auth/me': 'analyst',
  'GET /v1/organization': 'analyst',
  'PATCH /v1/organization': 'owner',
  'DELETE /v1/organization': 'owner',
  'GET /v1/accounts': 'admin-person',
  'POST /v1/accounts': 'admin-person',
  'DELETE /v1/accounts/{id}': 'admin-person',
  'PUT /v1/accounts/me/password': 'analyst-person',
  'GET /v1/api-keys': 'admin-person',
  'POST /v1/api-keys': 'admin-person',
  'DELETE /v1/api-keys/{id}': 'admin-person',
  'GET /v1/roster/dimensions': 'analyst',
  'PUT /v1/roster/dimensions': 'admin',
  'POST /v1/roster/import': 'admin',
  'GET /v1/roster/participants': 'admin',
  'GET /v1/templates': 'analyst',
  'GET /v1/templates/{key}': 'analyst',
  'POST /v1/surveys': 'admin',
  'GET /v1/surveys': 'analyst',
  'GET /v1/surveys/{id}': 'analyst',
  'PATCH /v1/surveys/{id}': 'admin',
  'GET /v1/surveys/{id}/waves': 'analyst',
  'POST /v1/surveys/{id}/waves': 'admin',
  'POST /v1/surveys/{id}/reminders': 'admin',
  'POST /v1/surveys/{id}/close': 'admin',
  'POST /v1/surveys/{id}/code-pools': 'admin',
  'POST /v1/respond/session': 'public',
  'POST /v1/respond/code': 'public',
  'GET /v1/respond/survey': 'public',
  'POST /v1/respond/submit': 'public',
  'GET /v1/reports/surveys/{id}/overview': 'analyst',
  'GET /v1/reports/surveys/{id}/breakdown': 'analyst',
  'GET /v1/reports/surveys/{id}/heatmap': 'analyst',
  'GET /v1/reports/surveys/{id}/trend': 'analyst',
  'GET /v1/reports/surveys/{id}/comments': 'analyst',
  'GET /v1/audit': 'admin',
};
// Operations that change or destroy shared fixtures: only the refusals are exercised here
// (their allowed paths are covered by their own feature tests).
const DESTRUCTIVE = new Set([
  'POST /v1/auth/logout',
  'DELETE /v1/accounts/{id}',
  'PUT /v1/accounts/me/password',
  'DELETE /v1/api-keys/{id}',
  'POST /v1/surveys/{id}/close',
  'POST /v1/surveys/{id}/waves',
  'POST /v1/roster/import',
  'PUT /v1/roster/dimensions',
  'PATCH /v1/organization',
  'DELETE /v1/organization',
]);
const RANK = { analyst: 1, admin: 2, owner: 3 } as const;

let t: TestApp;
let org: TestOrg;
let ids: Record<string, string>;
let callers: Record<string, { token: string; role: keyof typeof RANK | null; person: boolean; sameOrg: boolean }>;
let operations: Array<{ method: string; path: string }>;

beforeAll(async () => {
  t = await buildTestApp();
  org = await buildOrganization(t.app);
  const owner = await tokenFor(t.app, org, 'owner');
  await declareDimensions(t.app, owner);
  await importCsv(t.app, owner, rosterCsv(20));
  const survey = await createSurvey(t.app, owner, { template: 'pulse' });
  await openWave(t.app, owner, survey.id);
  const victimAccount = await buildAccount(t.app, org, 'analyst');
  const key = (
    await t.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: bearer(owner),
      payload: { name: 'integration', role: 'admin' },
    })
  ).json();
  ids = { survey: survey.id, account: victimAccount.id, apiKey: key.id };
  const other = await buildOrganization(t.app);
  callers = {
    analyst: { token: await tokenFor(t.app, org, 'analyst'), role: 'analyst', person: true, sameOrg: true },
    admin: { token: await tokenFor(t.app, org, 'admin'), role: 'admin', person: true, sameOrg: true },
    owner: { token: owner, role: 'owner', person: true, sameOrg: true },
    adminApiKey: { token: key.key, role: 'admin', person: false, sameOrg: true },
    otherOwner: { token: await tokenFor(t.app, other, 'owner'), role: 'owner', person: true, sameOrg: false },
    nobody: { token: '', role: null, person: false, sameOrg: false },
  };
  const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
    paths: Record<string, Record<string, unknown>>;
  };
  operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.keys(methods).map((m) => ({ method: m.toUpperCase(), path })),
  );
});
afterAll(() => t.close());

function concrete(path: string): string {
  const id = path.startsWith('/v1/accounts') ? ids.account : path.startsWith('/v1/api-keys') ? ids.apiKey : ids.survey;
  const url = path.replace('{id}', id!).replace('{key}', 'pulse');
  const query =
    path.includes('/breakdown') || path.includes('/heatmap')
      ? '?dimension=department'
      : path.includes('/comments')
        ? '?question=share'
        : '';
  return url + query;
}

describe('authorization matrix over the OpenAPI document (P8)', () => {
  it('when the document is read, then every operation has an access rule here', () => {
    const unknown = operations.map((o) => `${o.method} ${o.path}`).filter((k) => !(k in ACCESS));
    expect(unknown).toEqual([]);
    expect(operations.length).toBe(Object.keys(ACCESS).length);
  });

  it('when each caller tries each operation, then only the allowed role of the same organization gets past authorization', async () => {
    for (const { method, path } of operations) {
      const key = `${method} ${path}`;
      const access = ACCESS[key]!;
      if (access === 'public') continue;
      const minimum = access.replace('-person', '') as keyof typeof RANK;
      for (const [name, caller] of Object.entries(callers)) {
        const roleOk =
          caller.role !== null && RANK[caller.role] >= RANK[minimum] && (!access.endsWith('-person') || caller.person);
        // Routes without an id act on the caller's own organization; only id routes can cross tenants.
        const crossTenant = !caller.sameOrg && path.includes('{id}');
        const allowed = roleOk && !crossTenant;
        if ((roleOk || allowed) && DESTRUCTIVE.has(key) && !crossTenant) continue;
        const response = await t.app.inject({
          method: method as 'GET',
          url: concrete(path),
          headers: caller.token ? bearer(caller.token) : {},
          payload: method === 'GET' || method === 'DELETE' ? undefined : {},
        });
        const where = `${key} as ${name} → ${response.statusCode}`;
        if (!caller.token) expect(response.statusCode, where).toBe(401);
        else if (crossTenant && roleOk) {
          // Another tenant's resource simply does not exist for it.
          expect([400, 404], where).toContain(response.statusCode);
          expect(response.body, where).not.toContain(ids.survey);
        } else if (!roleOk) expect(response.statusCode, where).toBe(403);
        else expect([401, 403, 500], where).not.toContain(response.statusCode);
      }
    }
  });

  it('when another organization lists surveys, accounts, keys and participants, then none of this organization appears', async () => {
    const other = callers.otherOwner!.token;
    for (const url of [
      '/v1/surveys',
      '/v1/accounts',
      '/v1/api-keys',
      '/v1/roster/participants',
      '/v1/roster/dimensions',
      '/v1/audit',
    ]) {
      const response = await t.app.inject({ method: 'GET', url, headers: bearer(other) });
      expect(response.statusCode, url).toBe(200);
      for (const id of Object.values(ids)) expect(response.body, url).not.toContain(id);
      expect(response.body, url).not.toContain(org.slug);
    }
  });
});
