import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAccounts } from '../../src/accounts/service.ts';
import { listApiKeys } from '../../src/api-keys/service.ts';
import { listAuditEntries } from '../../src/audit/service.ts';
import { getOrganization } from '../../src/orgs/service.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { bearer, buildAccount, buildOrganization, tokenFor, type TestOrg } from '../helpers/factories.ts';
import { getPage, postForm, signIn } from '../helpers/dashboard.ts';
import { declareDimensions } from '../helpers/roster.ts';

let t: TestApp;
let org: TestOrg;
let owner: string;
let admin: string;
let analyst: string;

const DIMENSIONS = [
  { key: 'department', label: 'Department', reportable: true },
  { key: 'level', label: 'Level', reportable: false },
];

beforeAll(async () => {
  t = await buildTestApp();
  org = await buildOrganization(t.app, { minGroupSize: 5 });
  await declareDimensions(t.app, await tokenFor(t.app, org, 'owner'), DIMENSIONS);
  owner = await signIn(t.app, org.slug, org.ownerEmail);
  admin = await signIn(t.app, org.slug, (await buildAccount(t.app, org, 'admin')).email);
  analyst = await signIn(t.app, org.slug, (await buildAccount(t.app, org, 'analyst')).email);
});
afterAll(async () => t?.close());

const orgForm = (overrides: Record<string, string> = {}) => ({
  name: 'Acme Korea',
  defaultLanguage: 'ko',
  minGroupSize: '7',
  commentMinGroupSize: '10',
  ...overrides,
});

describe('/hr/settings (the organization)', () => {
  it('when an analyst opens it, then the organization is shown read-only, without links to admin pages', async () => {
    const page = await getPage(t.app, analyst, '/hr/settings');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<dd data-k>5</dd>');
    expect(page.body).toContain('Only an owner can change these settings.');
    expect(page.body).not.toContain('action="/hr/settings"');
    expect(page.body).not.toContain('href="/hr/settings/accounts"');
    expect((await postForm(t.app, analyst, '/hr/settings', orgForm())).statusCode).toBe(403);
    expect((await postForm(t.app, admin, '/hr/settings', orgForm())).statusCode).toBe(403);
    expect((await getOrganization(t.app.db, org.id)).min_group_size).toBe(5);
  });

  it('when the owner saves name, language, k and the comment threshold, then the organization has them', async () => {
    const page = await getPage(t.app, owner, '/hr/settings');
    expect(page.body).toContain('action="/hr/settings"');
    for (const link of ['/hr/settings/accounts', '/hr/settings/api-keys', '/hr/settings/audit'])
      expect(page.body).toContain(`href="${link}"`);
    const saved = await postForm(t.app, owner, '/hr/settings', orgForm());
    expect(saved.statusCode).toBe(303);
    expect(saved.headers.location).toBe('/hr/settings?done=saved');
    const org1 = await getOrganization(t.app.db, org.id);
    expect([org1.name, org1.default_language, org1.min_group_size, org1.comment_min_group_size]).toEqual([
      'Acme Korea',
      'ko',
      7,
      10,
    ]);
    const after = await getPage(t.app, owner, saved.headers.location!);
    expect(after.body).toContain('The organization settings were saved.');
    expect(after.body).toContain('value="7"');
    expect(after.body).toMatch(/value="ko"[^>]*selected/);
    const cleared = await postForm(
      t.app,
      owner,
      '/hr/settings',
      orgForm({ defaultLanguage: '', commentMinGroupSize: '' }),
    );
    expect(cleared.statusCode).toBe(303);
    const org2 = await getOrganization(t.app.db, org.id);
    expect([org2.default_language, org2.comment_min_group_size]).toEqual([null, null]);
  });

  it('P3 when k below 3 (or not a number, or an empty name) is sent, then it is refused beside the field and nothing changes', async () => {
    const before = await getOrganization(t.app.db, org.id);
    const low = await postForm(t.app, owner, '/hr/settings', orgForm({ minGroupSize: '2', name: 'Changed' }));
    expect(low.statusCode).toBe(400);
    expect(low.body).toContain('id="f-minGroupSize-error"');
    expect(low.body).toContain('It cannot be below 3.');
    expect(low.body).toContain('value="Changed"');
    expect(low.body).toContain('aria-describedby="f-minGroupSize-hint f-minGroupSize-error"');
    const wrong: Array<Record<string, string>> = [
      { minGroupSize: 'abc' },
      { minGroupSize: '' },
      { commentMinGroupSize: '1' },
      { name: '  ' },
      { defaultLanguage: 'de' },
    ];
    for (const bad of wrong) {
      const refused = await postForm(t.app, owner, '/hr/settings', orgForm(bad));
      expect(refused.statusCode, JSON.stringify(bad)).toBe(400);
    }
    expect(await getOrganization(t.app.db, org.id)).toEqual(before);
  });
});

describe('/hr/settings/accounts', () => {
  let created: { email: string; password: string };

  it('when an admin adds an analyst, then the generated password is shown once on the answer and they can sign in', async () => {
    const page = await getPage(t.app, admin, '/hr/settings/accounts');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(org.ownerEmail);
    expect(page.body).not.toContain('value="owner"'); // an admin cannot make owners
    const posted = await postForm(t.app, admin, '/hr/settings/accounts', {
      email: 'New.Analyst@Example.com',
      role: 'analyst',
      scopeDimension: 'department',
      scopeValue: 'Support',
    });
    expect(posted.statusCode).toBe(200);
    expect(posted.headers['cache-control']).toBe('no-store');
    expect(posted.headers.location).toBeUndefined();
    const password = /<code data-password>([^<]+)<\/code>/.exec(posted.body)?.[1];
    expect(password).toBeTruthy();
    created = { email: 'new.analyst@example.com', password: password! };
    expect(posted.body).toContain('The account new.analyst@example.com was added.');
    expect(posted.body).toContain('department = Support');
    const stored = (await listAccounts(t.app.db, org.id)).find((a) => a.email === created.email);
    expect(stored?.role).toBe('analyst');
    expect(stored?.scope).toEqual({ dimension: 'department', value: 'Support' });
    // Shown once: the list does not show it again.
    expect((await getPage(t.app, admin, '/hr/settings/accounts')).body).not.toContain(created.password);
    const cookie = await signIn(t.app, org.slug, created.email, created.password);
    expect((await getPage(t.app, cookie, '/hr/surveys')).statusCode).toBe(200);
  });

  it('when the form is wrong, then it is re-shown with the reason and no account is made', async () => {
    const count = (await listAccounts(t.app.db, org.id)).length;
    const cases: Array<[Record<string, string>, number, string]> = [
      [{ email: 'not-mail', role: 'analyst' }, 400, 'Enter an e-mail address.'],
      [{ email: created.email, role: 'admin' }, 409, 'An account with this e-mail already exists.'],
      [{ email: 'x@example.com', role: 'owner' }, 403, 'Only an owner may manage owner accounts.'],
      [{ email: 'x@example.com', role: 'root' }, 400, 'Please check this value.'],
      [
        { email: 'x@example.com', role: 'admin', scopeDimension: 'department', scopeValue: 'A' },
        400,
        'Only an analyst',
      ],
      [{ email: 'x@example.com', role: 'analyst', scopeDimension: 'level', scopeValue: 'A' }, 400, 'not a reportable'],
      [{ email: 'x@example.com', role: 'analyst', scopeDimension: 'department' }, 400, 'Give both'],
    ];
    for (const [form, status, message] of cases) {
      const answer = await postForm(t.app, admin, '/hr/settings/accounts', form);
      expect(answer.statusCode, JSON.stringify(form)).toBe(status);
      expect(answer.body, JSON.stringify(form)).toContain(message);
      expect(answer.body).not.toContain('data-password');
    }
    expect((await listAccounts(t.app.db, org.id)).length).toBe(count);
  });

  it('when an owner adds an owner, then it is allowed (the service lets owners manage owners)', async () => {
    const posted = await postForm(t.app, owner, '/hr/settings/accounts', {
      email: 'second.owner@example.com',
      role: 'owner',
    });
    expect(posted.statusCode).toBe(200);
    expect((await listAccounts(t.app.db, org.id)).find((a) => a.email === 'second.owner@example.com')?.role).toBe(
      'owner',
    );
  });

  it('when an admin removes an account after confirming, then it is gone and can no longer sign in', async () => {
    const id = (await listAccounts(t.app.db, org.id)).find((a) => a.email === created.email)!.id;
    const confirm = await getPage(t.app, admin, `/hr/settings/accounts/${id}/delete`);
    expect(confirm.statusCode).toBe(200);
    expect(confirm.body).toContain(`Remove the account ${created.email}?`);
    const removed = await postForm(t.app, admin, `/hr/settings/accounts/${id}/delete`, {});
    expect(removed.statusCode).toBe(303);
    expect(removed.headers.location).toBe('/hr/settings/accounts?done=removed');
    expect((await listAccounts(t.app.db, org.id)).some((a) => a.id === id)).toBe(false);
    await expect(signIn(t.app, org.slug, created.email, created.password)).rejects.toThrow(/401/);
    expect((await postForm(t.app, admin, `/hr/settings/accounts/${id}/delete`, {})).statusCode).toBe(404);
    expect((await postForm(t.app, admin, `/hr/settings/accounts/not-a-uuid/delete`, {})).statusCode).toBe(400);
    const ownerId = (await listAccounts(t.app.db, org.id)).find((a) => a.email === org.ownerEmail)!.id;
    expect((await postForm(t.app, admin, `/hr/settings/accounts/${ownerId}/delete`, {})).statusCode).toBe(403);
  });

  it('when an analyst opens account and key pages, then 403', async () => {
    for (const url of ['/hr/settings/accounts', '/hr/settings/api-keys', '/hr/settings/audit'])
      expect((await getPage(t.app, analyst, url)).statusCode, url).toBe(403);
    expect(
      (await postForm(t.app, analyst, '/hr/settings/accounts', { email: 'a@b.c', role: 'analyst' })).statusCode,
    ).toBe(403);
    expect((await postForm(t.app, analyst, '/hr/settings/api-keys', { name: 'x', role: 'admin' })).statusCode).toBe(
      403,
    );
  });
});

describe('/hr/settings/api-keys', () => {
  it('when an admin creates a key, then it is shown once and works as a Bearer token; revoked, it stops', async () => {
    const posted = await postForm(t.app, admin, '/hr/settings/api-keys', { name: 'HRIS sync', role: 'admin' });
    expect(posted.statusCode).toBe(200);
    expect(posted.headers['cache-control']).toBe('no-store');
    const key = /<code data-key>([^<]+)<\/code>/.exec(posted.body)?.[1];
    expect(key).toBeTruthy();
    expect(posted.body).toContain('The key HRIS sync was created.');
    const me = await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: bearer(key!) });
    expect(me.statusCode).toBe(200);
    const list = await getPage(t.app, admin, '/hr/settings/api-keys');
    expect(list.body).toContain('HRIS sync');
    expect(list.body).not.toContain(key!);
    const id = (await listApiKeys(t.app.db, org.id)).find((k) => k.name === 'HRIS sync')!.id;
    const revoked = await postForm(t.app, admin, `/hr/settings/api-keys/${id}/revoke`, {});
    expect(revoked.statusCode).toBe(303);
    expect(revoked.headers.location).toBe('/hr/settings/api-keys?done=revoked');
    expect((await getPage(t.app, admin, revoked.headers.location!)).body).toContain('The key was revoked');
    expect((await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: bearer(key!) })).statusCode).toBe(401);
  });

  it('when the key form is wrong, or a key tries the page, then nothing is made', async () => {
    const before = (await listApiKeys(t.app.db, org.id)).length;
    expect((await postForm(t.app, admin, '/hr/settings/api-keys', { name: '', role: 'admin' })).statusCode).toBe(400);
    expect((await postForm(t.app, admin, '/hr/settings/api-keys', { name: 'x', role: 'owner' })).statusCode).toBe(400);
    // Keys are managed by people only (sessionOnly, as the API): an API key cannot reach the page.
    const made = await t.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: bearer(await tokenFor(t.app, org, 'owner')),
      payload: { name: 'probe', role: 'admin' },
    });
    const key = made.json<{ key: string }>().key;
    expect((await getPage(t.app, '', '/hr/settings/api-keys', bearer(key))).statusCode).toBe(403);
    expect(
      (await postForm(t.app, '', '/hr/settings/api-keys', { name: 'minted', role: 'admin' }, bearer(key))).statusCode,
    ).toBe(403);
    expect((await listApiKeys(t.app.db, org.id)).length).toBe(before + 1); // only the probe, made through the API
  });
});

describe('/hr/settings/audit', () => {
  it('when changes were made on the dashboard, then the audit page lists them newest first, with field names and no secret', async () => {
    await t.app.auditWritten();
    const page = await getPage(t.app, admin, '/hr/settings/audit');
    expect(page.statusCode).toBe(200);
    const actions = [...page.body.matchAll(/<td><code>([^<]+)<\/code><\/td>/g)].map((m) => m[1]);
    // Newest first: the probe key made through the API, then the revocation on the dashboard.
    // (Entries are written just after each answer, so two made back to back may swap places.)
    expect(actions.slice(0, 2).sort()).toEqual(['POST /hr/settings/api-keys/:id/revoke', 'POST /v1/api-keys']);
    const times = [...page.body.matchAll(/<time datetime="([^"]+)"/g)].map((m) => m[1]!);
    expect(times).toEqual([...times].sort().reverse());
    expect(actions).toContain('POST /hr/settings/api-keys');
    expect(actions).toContain('POST /hr/settings/accounts/:id/delete');
    expect(actions).toContain('POST /hr/settings/accounts');
    expect(actions).toContain('POST /hr/settings');
    expect(page.body).toContain('minGroupSize: 7');
    const entries = await listAuditEntries(t.app.db, org.id, 1000, undefined);
    const create = entries.filter((e) => e.action === 'POST /hr/settings/accounts').at(-1)!;
    expect(create.details).toEqual({ fields: ['email', 'role', 'scopeDimension', 'scopeValue'] });
    expect(create.actor.kind).toBe('session');
    const everything = JSON.stringify(entries);
    expect(everything).not.toContain('new.analyst@example.com');
    expect(everything).not.toContain('HRIS sync');
    expect(everything).not.toContain('Support');
    expect(everything).not.toContain('Acme Korea');
    expect(everything).not.toMatch(/password/i);
    // The refused attempts (4xx) are not in the log: they changed nothing.
    expect(entries.filter((e) => e.action === 'POST /hr/settings').length).toBe(2);
  });
});
