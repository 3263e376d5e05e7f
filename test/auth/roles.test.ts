import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import {
  bearer,
  buildAccount,
  buildOrganization,
  login,
  PASSWORD,
  tokenFor,
  type TestOrg,
} from '../helpers/factories.ts';

let t: TestApp;
let org: TestOrg;
let tokens: Record<'owner' | 'admin' | 'analyst', string>;

beforeAll(async () => {
  t = await buildTestApp();
  org = await buildOrganization(t.app);
  tokens = {
    owner: await tokenFor(t.app, org, 'owner'),
    admin: await tokenFor(t.app, org, 'admin'),
    analyst: await tokenFor(t.app, org, 'analyst'),
  };
});
afterAll(() => t.close());

const call = (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, token: string, payload?: object) =>
  t.app.inject({ method, url, headers: bearer(token), ...(payload ? { payload } : {}) });

describe('role checks', () => {
  it.each([
    ['GET', '/v1/organization', undefined, { owner: 200, admin: 200, analyst: 200 }],
    ['PATCH', '/v1/organization', { name: 'Renamed' }, { owner: 200, admin: 403, analyst: 403 }],
    ['GET', '/v1/accounts', undefined, { owner: 200, admin: 200, analyst: 403 }],
    ['GET', '/v1/api-keys', undefined, { owner: 200, admin: 200, analyst: 403 }],
  ] as const)(
    'when each role calls %s %s, then the answer follows the role',
    async (method, url, payload, expected) => {
      for (const role of ['owner', 'admin', 'analyst'] as const) {
        const response = await call(method, url, tokens[role], payload);
        expect(response.statusCode, role).toBe(expected[role]);
        if (response.statusCode === 403) expect(response.json().code).toBe('forbidden');
      }
    },
  );

  it('when no credentials are sent, then HR routes answer 401 unauthenticated', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/v1/organization' });
    expect(response.statusCode).toBe(401);
    expect(response.json().code).toBe('unauthenticated');
  });

  it('when the owner lowers k below 3, then 400 names the field and k is unchanged', async () => {
    const response = await call('PATCH', '/v1/organization', tokens.owner, { minGroupSize: 2 });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([{ field: 'body.minGroupSize', message: expect.any(String) }]);
    expect((await call('GET', '/v1/organization', tokens.owner)).json().minGroupSize).toBe(5);
  });
});

describe('HR accounts', () => {
  it('when an admin adds an analyst without a password, then one is generated, shown once, and works', async () => {
    const response = await call('POST', '/v1/accounts', tokens.admin, {
      email: 'New.Analyst@Example.com',
      role: 'analyst',
    });
    expect(response.statusCode).toBe(201);
    const { account, password } = response.json();
    expect(account.email).toBe('new.analyst@example.com');
    expect((await login(t.app, org, account.email, password)).statusCode).toBe(200);
    const listed = (await call('GET', '/v1/accounts', tokens.admin)).json();
    expect(JSON.stringify(listed)).not.toContain(password);
  });

  it('when an admin tries to add an owner, then 403; an owner may', async () => {
    expect(
      (await call('POST', '/v1/accounts', tokens.admin, { email: 'boss1@example.com', role: 'owner' })).statusCode,
    ).toBe(403);
    expect(
      (
        await call('POST', '/v1/accounts', tokens.owner, {
          email: 'boss1@example.com',
          role: 'owner',
          password: PASSWORD,
        })
      ).statusCode,
    ).toBe(201);
  });

  it('when the e-mail is taken, then 409 email-taken', async () => {
    const response = await call('POST', '/v1/accounts', tokens.owner, { email: org.ownerEmail, role: 'analyst' });
    expect(response.statusCode).toBe(409);
    expect(response.json().code).toBe('email-taken');
  });

  it('when the password is too short, then 400 names body.password and no account is made', async () => {
    const response = await call('POST', '/v1/accounts', tokens.owner, {
      email: 'short@example.com',
      role: 'analyst',
      password: 'short',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors[0].field).toBe('body.password');
    expect(
      await t.app.db.selectFrom('hr_accounts').where('email', '=', 'short@example.com').select('id').executeTakeFirst(),
    ).toBeUndefined();
  });

  it('when the last owner would be removed, then 409 last-owner', async () => {
    const solo = await buildOrganization(t.app);
    const soloToken = await tokenFor(t.app, solo, 'owner');
    const owner = await t.app.db
      .selectFrom('hr_accounts')
      .select('id')
      .where('org_id', '=', solo.id)
      .executeTakeFirstOrThrow();
    const response = await call('DELETE', `/v1/accounts/${owner.id}`, soloToken);
    expect(response.statusCode).toBe(409);
    expect(response.json().code).toBe('last-owner');
  });

  it('when an account is removed, then its sessions stop working', async () => {
    const victim = await buildAccount(t.app, org, 'analyst');
    const token = (await login(t.app, org, victim.email)).json().token as string;
    expect((await call('DELETE', `/v1/accounts/${victim.id}`, tokens.admin)).statusCode).toBe(204);
    expect((await call('GET', '/v1/organization', token)).statusCode).toBe(401);
  });

  it('when someone changes their password, then their other sessions end and the new password works', async () => {
    const person = await buildAccount(t.app, org, 'analyst');
    const first = (await login(t.app, org, person.email)).json().token as string;
    const second = (await login(t.app, org, person.email)).json().token as string;
    const changed = await call('PUT', '/v1/accounts/me/password', second, {
      currentPassword: PASSWORD,
      newPassword: 'a much longer new passphrase',
    });
    expect(changed.statusCode).toBe(204);
    expect((await call('GET', '/v1/auth/me', first)).statusCode).toBe(401);
    expect((await call('GET', '/v1/auth/me', second)).statusCode).toBe(200);
    expect((await login(t.app, org, person.email, 'a much longer new passphrase')).statusCode).toBe(200);
  });
});

describe('API keys', () => {
  it('when an admin creates a key, then it is shown once, stored hashed, and authenticates with its role', async () => {
    const created = await call('POST', '/v1/api-keys', tokens.admin, { name: 'HRIS sync', role: 'analyst' });
    expect(created.statusCode).toBe(201);
    const { key, id } = created.json();
    expect(key).toMatch(/^qk_/);
    const listed = await call('GET', '/v1/api-keys', tokens.admin);
    expect(listed.body).not.toContain(key);
    const { rows } = await sql<{ dump: string }>`select string_agg(k::text, '|') as dump from api_keys k`.execute(
      t.app.db,
    );
    expect(rows[0]!.dump).not.toContain(key.slice(3));
    expect((await call('GET', '/v1/auth/me', key)).json()).toMatchObject({
      kind: 'api-key',
      role: 'analyst',
      organizationId: org.id,
    });
    expect((await call('PATCH', '/v1/organization', key, { name: 'Nope' })).statusCode).toBe(403);
    expect(id).toBeTruthy();
  });

  it('when an API key tries to manage keys or accounts, then 403 (only people may)', async () => {
    const key = (await call('POST', '/v1/api-keys', tokens.owner, { name: 'admin key', role: 'admin' })).json()
      .key as string;
    expect((await call('GET', '/v1/organization', key)).statusCode).toBe(200);
    expect((await call('POST', '/v1/api-keys', key, { name: 'more', role: 'admin' })).statusCode).toBe(403);
    expect((await call('GET', '/v1/accounts', key)).statusCode).toBe(403);
  });

  it('when a key is revoked, then it is refused with 401', async () => {
    const { key, id } = (await call('POST', '/v1/api-keys', tokens.admin, { name: 'temp', role: 'analyst' })).json();
    expect((await call('DELETE', `/v1/api-keys/${id}`, tokens.admin)).statusCode).toBe(204);
    expect((await call('GET', '/v1/organization', key)).statusCode).toBe(401);
  });

  it('when owner is asked as a key role, then 400 (keys can never be owners)', async () => {
    expect((await call('POST', '/v1/api-keys', tokens.owner, { name: 'x', role: 'owner' })).statusCode).toBe(400);
  });
});

describe('tenant isolation (SPEC P8)', () => {
  it("when another organization's admin targets this organization's account or key, then 404 and nothing changes", async () => {
    const other = await buildOrganization(t.app);
    const otherAdmin = await tokenFor(t.app, other, 'owner');
    const mine = await buildAccount(t.app, org, 'analyst');
    const myKey = (await call('POST', '/v1/api-keys', tokens.admin, { name: 'mine', role: 'analyst' })).json();
    expect((await call('DELETE', `/v1/accounts/${mine.id}`, otherAdmin)).statusCode).toBe(404);
    expect((await call('DELETE', `/v1/api-keys/${myKey.id}`, otherAdmin)).statusCode).toBe(404);
    expect((await call('GET', '/v1/auth/me', myKey.key)).statusCode).toBe(200);
    const theirList = (await call('GET', '/v1/accounts', otherAdmin)).body;
    expect(theirList).not.toContain(mine.email);
    expect((await call('GET', '/v1/organization', otherAdmin)).json().id).toBe(other.id);
  });
});

describe('session cookie and cross-site requests', () => {
  it('when a cookie-authenticated change comes from another origin, then 403', async () => {
    const response = await t.app.inject({
      method: 'PATCH',
      url: '/v1/organization',
      cookies: { quorum_session: tokens.owner },
      headers: { origin: 'https://evil.example', host: 'quorum.local' },
      payload: { name: 'Hijacked' },
    });
    expect(response.statusCode).toBe(403);
    expect((await call('GET', '/v1/organization', tokens.owner)).json().name).not.toBe('Hijacked');
  });

  it('when the Origin is unparseable, then 403 rather than 500', async () => {
    const response = await t.app.inject({
      method: 'PATCH',
      url: '/v1/organization',
      cookies: { quorum_session: tokens.owner },
      headers: { origin: 'null' },
      payload: { name: 'x' },
    });
    expect(response.statusCode).toBe(403);
  });
});
