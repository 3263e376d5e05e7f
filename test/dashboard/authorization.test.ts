import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { bearer, buildAccount, buildOrganization, tokenFor, type TestOrg } from '../helpers/factories.ts';
import { getPage, postForm, signIn } from '../helpers/dashboard.ts';
import { declareDimensions, importCsv, rosterCsv } from '../helpers/roster.ts';
import { createSurvey, openWave } from '../helpers/surveys.ts';

/**
 * Every dashboard page, walked as each kind of reader (SPEC P8, issue 15): who may open it, and
 * that another organization's ids lead nowhere. A page added without a line here fails the test.
 * `-person`: a signed-in person only (the dashboard takes no API key anyway).
 */
type Access = 'public' | 'analyst' | 'admin' | 'owner';
const ACCESS: Record<string, Access> = {
  'GET /hr': 'public',
  'GET /hr/assets/dashboard.css': 'public',
  'GET /hr/language': 'public',
  'GET /hr/login': 'public',
  'POST /hr/login': 'public',
  'POST /hr/logout': 'analyst',
  'GET /hr/account': 'analyst',
  'POST /hr/account/password': 'analyst',
  'GET /hr/surveys': 'analyst',
  'GET /hr/surveys/new': 'admin',
  'POST /hr/surveys/new': 'admin',
  'GET /hr/templates/preview': 'analyst',
  'GET /hr/surveys/:id': 'analyst',
  'GET /hr/surveys/:id/edit': 'admin',
  'POST /hr/surveys/:id/edit': 'admin',
  'POST /hr/surveys/:id/waves': 'admin',
  'POST /hr/surveys/:id/code-sheet': 'admin',
  'POST /hr/surveys/:id/reminders': 'admin',
  'POST /hr/surveys/:id/close': 'admin',
  'GET /hr/roster': 'admin',
  'POST /hr/roster/import': 'admin',
  'GET /hr/roster/dimensions': 'admin',
  'POST /hr/roster/dimensions': 'admin',
  'POST /hr/roster/pairs': 'owner',
  'GET /hr/settings': 'analyst',
  'POST /hr/settings': 'owner',
  'GET /hr/settings/accounts': 'admin',
  'POST /hr/settings/accounts': 'admin',
  'GET /hr/settings/accounts/:id/delete': 'admin',
  'POST /hr/settings/accounts/:id/delete': 'admin',
  'GET /hr/settings/api-keys': 'admin',
  'POST /hr/settings/api-keys': 'admin',
  'POST /hr/settings/api-keys/:id/revoke': 'admin',
  'GET /hr/settings/audit': 'admin',
  'GET /hr/surveys/:id/results': 'analyst',
  'GET /hr/surveys/:id/results/breakdown': 'analyst',
  'GET /hr/surveys/:id/results/trend': 'analyst',
  'GET /hr/surveys/:id/results/comments': 'analyst',
  'GET /hr/surveys/:id/results/overview.csv': 'analyst',
  'GET /hr/surveys/:id/results/breakdown.csv': 'analyst',
  'GET /hr/surveys/:id/results/heatmap.csv': 'analyst',
  'GET /hr/surveys/:id/results/trend.csv': 'analyst',
  'GET /hr/surveys/:id/results/comments.csv': 'analyst',
};
// Pages that change shared fixtures: only their refusals are walked here (their own tests cover the rest).
const DESTRUCTIVE = new Set([
  'POST /hr/logout',
  'POST /hr/account/password',
  'POST /hr/surveys/:id/waves',
  'POST /hr/roster/dimensions',
  'POST /hr/roster/pairs',
  'POST /hr/settings',
]);
const RANK = { analyst: 1, admin: 2, owner: 3 } as const;

let t: TestApp;
let org: TestOrg;
let ids: Record<string, string>;
let readers: Record<string, { cookie: string; role: keyof typeof RANK | null; sameOrg: boolean }>;

beforeAll(async () => {
  t = await buildTestApp();
  org = await buildOrganization(t.app);
  const owner = await tokenFor(t.app, org, 'owner');
  await declareDimensions(t.app, owner);
  await importCsv(t.app, owner, rosterCsv(20));
  const survey = await createSurvey(t.app, owner, { template: 'pulse' });
  await openWave(t.app, owner, survey.id);
  const account = await buildAccount(t.app, org, 'analyst');
  const key = (
    await t.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: bearer(owner),
      payload: { name: 'i', role: 'admin' },
    })
  ).json();
  ids = { id: survey.id, account: account.id, key: key.id, number: '1' };
  const other = await buildOrganization(t.app);
  const person = async (o: TestOrg, role: keyof typeof RANK) =>
    signIn(t.app, o.slug, (await buildAccount(t.app, o, role)).email);
  readers = {
    analyst: { cookie: await person(org, 'analyst'), role: 'analyst', sameOrg: true },
    admin: { cookie: await person(org, 'admin'), role: 'admin', sameOrg: true },
    owner: { cookie: await signIn(t.app, org.slug, org.ownerEmail), role: 'owner', sameOrg: true },
    otherOwner: { cookie: await signIn(t.app, other.slug, other.ownerEmail), role: 'owner', sameOrg: false },
    nobody: { cookie: '', role: null, sameOrg: false },
  };
});
afterAll(async () => t?.close());

/** A page's URL with this organization's ids in place of its parameters. */
const concrete = (url: string) => url.replace(/:([a-zA-Z]+)/g, (_m, name: string) => ids[name] ?? `missing-${name}`);

describe('dashboard authorization matrix (P8)', () => {
  it('when the dashboard is built, then every page has an access rule here and enforces it', () => {
    const pages = t.app.dashboardPages.map((p) => `${p.method} ${p.url}`);
    expect(pages.filter((p) => !(p in ACCESS))).toEqual([]);
    expect(Object.keys(ACCESS).filter((p) => !pages.includes(p))).toEqual([]);
    for (const page of t.app.dashboardPages) {
      const access = ACCESS[`${page.method} ${page.url}`]!;
      expect(page.rule?.role ?? 'public', `${page.method} ${page.url}`).toBe(access);
    }
  });

  it('when each reader opens each page, then only the allowed role of the same organization gets past authorization', async () => {
    for (const page of t.app.dashboardPages) {
      const key = `${page.method} ${page.url}`;
      const access = ACCESS[key]!;
      if (access === 'public') continue;
      for (const [name, reader] of Object.entries(readers)) {
        const roleOk = reader.role !== null && RANK[reader.role] >= RANK[access];
        const crossTenant = !reader.sameOrg && page.url.includes(':');
        if (roleOk && DESTRUCTIVE.has(key) && !crossTenant) continue;
        const url = concrete(page.url);
        const response =
          page.method === 'GET'
            ? await getPage(t.app, reader.cookie, url)
            : await postForm(t.app, reader.cookie, url, {});
        const where = `${key} as ${name} → ${response.statusCode}`;
        if (!reader.cookie) {
          expect(response.statusCode, where).toBe(303);
          expect(response.headers.location, where).toMatch(/^\/hr\/login/);
        } else if (crossTenant && roleOk) {
          expect([400, 404], where).toContain(response.statusCode);
          for (const id of Object.values(ids)) if (id.length > 8) expect(response.body, where).not.toContain(id);
        } else if (!roleOk) expect(response.statusCode, where).toBe(403);
        else expect([401, 403, 500], where).not.toContain(response.statusCode);
        if (response.statusCode < 300 || response.statusCode >= 400)
          expect(response.headers['cache-control'], where).toBe('no-store');
      }
    }
  });
});
