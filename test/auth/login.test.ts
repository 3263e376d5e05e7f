import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { sql } from 'kysely';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { bearer, buildOrganization, login, PASSWORD, randomAddress, type TestOrg } from '../helpers/factories.ts';
import { MAX_FAILURES } from '../../src/auth/lockout.ts';

let t: TestApp;
let org: TestOrg;

beforeAll(async () => {
  t = await buildTestApp();
  org = await buildOrganization(t.app);
});
afterAll(() => t.close());

const cookieOf = (response: { cookies: Array<{ name: string; value: string }> }, name: string) =>
  response.cookies.find((c) => c.name === name);

describe('POST /v1/auth/login', () => {
  it('when the credentials are right, then a session token comes back as JSON and as an httpOnly, SameSite=Strict, Secure cookie', async () => {
    const response = await login(t.app, org, org.ownerEmail);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.token).toMatch(/^qs_[A-Za-z0-9_-]{43}$/);
    expect(body.account).toMatchObject({ email: org.ownerEmail, role: 'owner' });
    expect(response.headers['set-cookie']).toEqual(
      expect.arrayContaining([expect.stringMatching(/^quorum_session=.*HttpOnly.*Secure.*SameSite=Strict/)]),
    );
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('when logged in, then the token works as Bearer and as cookie', async () => {
    const response = await login(t.app, org, org.ownerEmail);
    const token = response.json().token as string;
    expect((await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: bearer(token) })).json()).toMatchObject({
      kind: 'session',
      role: 'owner',
      organizationId: org.id,
    });
    expect(
      (await t.app.inject({ method: 'GET', url: '/v1/auth/me', cookies: { quorum_session: token } })).statusCode,
    ).toBe(200);
  });

  it('when a session is stored, then only a keyed hash of its token is in the database', async () => {
    const token = (await login(t.app, org, org.ownerEmail)).json().token as string;
    const { rows } = await sql<{ dump: string }>`select string_agg(s::text, '|') as dump from sessions s`.execute(
      t.app.db,
    );
    expect(rows[0]!.dump).not.toContain(token);
    expect(rows[0]!.dump).not.toContain(token.slice(3));
  });

  it('when the password is wrong, the e-mail unknown or the organization unknown, then all get the same 401 invalid-credentials', async () => {
    const answers = await Promise.all([
      login(t.app, org, org.ownerEmail, 'not the password'),
      login(t.app, org, 'nobody@nowhere.example'),
      login(t.app, { ...org, slug: 'no-such-org' }, org.ownerEmail),
    ]);
    for (const response of answers) {
      expect(response.statusCode).toBe(401);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      const { requestId: _ignored, ...problem } = response.json();
      expect(problem).toEqual({
        type: 'urn:quorum:problem:invalid-credentials',
        title: 'Unauthorized',
        status: 401,
        code: 'invalid-credentials',
        detail: expect.any(String),
      });
    }
  });

  it('when logged out, then the token no longer works', async () => {
    const token = (await login(t.app, org, org.ownerEmail)).json().token as string;
    expect((await t.app.inject({ method: 'POST', url: '/v1/auth/logout', headers: bearer(token) })).statusCode).toBe(
      204,
    );
    const after = await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: bearer(token) });
    expect(after.statusCode).toBe(401);
    expect(after.json().code).toBe('invalid-token');
  });

  it('when a session has expired, then it is refused with 401 invalid-token', async () => {
    const token = (await login(t.app, org, org.ownerEmail)).json().token as string;
    await t.app.db
      .updateTable('sessions')
      .set({ expires_at: sql<Date>`now() - interval '1 second'` })
      .where('org_id', '=', org.id)
      .execute();
    const response = await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: bearer(token) });
    expect(response.statusCode).toBe(401);
    expect(response.json().code).toBe('invalid-token');
  });

  it('when the Authorization header is malformed or a token made up, then 401 and never 500', async () => {
    for (const authorization of [
      'Bearer',
      'Basic abc',
      'Bearer qs_' + 'x'.repeat(43),
      'Bearer qk_nope_nope_nope',
      'Bearer ' + 'ä'.repeat(20),
    ]) {
      const response = await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: { authorization } });
      expect(response.statusCode, authorization).toBe(401);
    }
  });
});

describe('login lockout', () => {
  it(`when ${MAX_FAILURES} logins fail, then the next one is refused with 429 and Retry-After even with the right password`, async () => {
    const victim = await buildOrganization(t.app);
    for (let i = 0; i < MAX_FAILURES; i++)
      expect((await login(t.app, victim, victim.ownerEmail, 'wrong password')).statusCode).toBe(401);
    const locked = await login(t.app, victim, victim.ownerEmail, PASSWORD);
    expect(locked.statusCode).toBe(429);
    expect(locked.json().code).toBe('login-locked');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(60);
  });

  it('when the victim logged in before from this browser, then its device cookie still lets it in during an attack', async () => {
    const victim = await buildOrganization(t.app);
    const first = await login(t.app, victim, victim.ownerEmail);
    const device = cookieOf(first, 'quorum_device')!;
    for (let i = 0; i < MAX_FAILURES + 3; i++) await login(t.app, victim, victim.ownerEmail, 'attacker guess');
    expect((await login(t.app, victim, victim.ownerEmail)).statusCode).toBe(429);
    const withDevice = await login(t.app, victim, victim.ownerEmail, PASSWORD, {
      cookies: { quorum_device: device.value },
    });
    expect(withDevice.statusCode).toBe(200);
  });

  it('when a device cookie is forged or belongs to another account, then it counts as untrusted', async () => {
    const victim = await buildOrganization(t.app);
    const other = await buildOrganization(t.app);
    const otherDevice = cookieOf(await login(t.app, other, other.ownerEmail), 'quorum_device')!;
    for (let i = 0; i < MAX_FAILURES; i++) await login(t.app, victim, victim.ownerEmail, 'attacker guess');
    for (const value of [otherDevice.value, 'abc.def', 'garbage']) {
      expect(
        (await login(t.app, victim, victim.ownerEmail, PASSWORD, { cookies: { quorum_device: value } })).statusCode,
      ).toBe(429);
    }
  });

  it('when the lock has run out, then the right password works again (a lock never lasts forever)', async () => {
    const victim = await buildOrganization(t.app);
    for (let i = 0; i < MAX_FAILURES; i++) await login(t.app, victim, victim.ownerEmail, 'wrong password');
    expect((await login(t.app, victim, victim.ownerEmail)).statusCode).toBe(429);
    await t.app.db
      .updateTable('login_throttles')
      .set({
        locked_until: sql<Date>`now() - interval '1 second'`,
        window_started_at: sql<Date>`now() - interval '1 hour'`,
      })
      .where('org_id', '=', victim.id)
      .execute();
    expect((await login(t.app, victim, victim.ownerEmail)).statusCode).toBe(200);
  });

  it('when the e-mail does not exist, then it locks exactly like a real one (no account enumeration)', async () => {
    const victim = await buildOrganization(t.app);
    for (let i = 0; i < MAX_FAILURES; i++)
      expect((await login(t.app, victim, 'ghost@nowhere.example', 'x')).statusCode).toBe(401);
    expect((await login(t.app, victim, 'ghost@nowhere.example', 'x')).statusCode).toBe(429);
  });

  it('when failures race in parallel, then every one is counted', async () => {
    const victim = await buildOrganization(t.app);
    await Promise.all(
      Array.from({ length: MAX_FAILURES }, () => login(t.app, victim, victim.ownerEmail, 'wrong password')),
    );
    expect((await login(t.app, victim, victim.ownerEmail)).statusCode).toBe(429);
  });

  it('when one client address sends more than 20 logins a minute, then it is rate-limited with a problem+json 429', async () => {
    const remoteAddress = randomAddress();
    const codes: number[] = [];
    for (let i = 0; i < 22; i++)
      codes.push((await login(t.app, org, 'someone@x.example', 'x', { remoteAddress })).statusCode);
    expect(codes.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    const last = await login(t.app, org, org.ownerEmail, PASSWORD, { remoteAddress });
    expect(last.statusCode).toBe(429);
    expect(last.json()).toMatchObject({ code: 'rate-limited', status: 429 });
  });
});

describe('over a real socket (supertest)', () => {
  it('when a client logs in over HTTP, then the cookie session works for the next request and logout clears it', async () => {
    const agent = request(t.app.server);
    const loggedIn = await agent
      .post('/v1/auth/login')
      .send({ organization: org.slug, email: org.ownerEmail, password: PASSWORD })
      .expect(200);
    const sessionCookie = (loggedIn.headers['set-cookie'] as unknown as string[])
      .find((c) => c.startsWith('quorum_session='))!
      .split(';')[0]!;
    await agent.get('/v1/organization').set('cookie', sessionCookie).expect(200);
    const out = await agent.post('/v1/auth/logout').set('cookie', sessionCookie).expect(204);
    expect(String(out.headers['set-cookie'])).toMatch(/quorum_session=;/);
    await agent
      .get('/v1/organization')
      .set('cookie', sessionCookie)
      .expect(401)
      .expect('content-type', /problem\+json/);
  });
});
