import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { buildOrganization, PASSWORD, tokenFor, type TestOrg } from '../helpers/factories.ts';
import { declareDimensions, importCsv, rosterCsv } from '../helpers/roster.ts';
import { answerByLink, createSurvey, openWave, tokenOfLink } from '../helpers/surveys.ts';

let t: TestApp;
let org: TestOrg;
beforeAll(async () => {
  t = await buildTestApp({ captureLogs: true });
  org = await buildOrganization(t.app);
});
afterAll(() => t.close());

const CLIENT_IP = '203.0.113.77';
const FORWARDED_IP = '198.51.100.23';
const USER_AGENT = 'Mozilla/5.0 (QuorumLogProbe; Android 14) Mobile';

describe('logs (SPEC P6)', () => {
  it('when requests carry tokens, passwords, IPs, user agents and query strings, then no log line contains any of them', async () => {
    const headers = { 'user-agent': USER_AGENT, 'x-forwarded-for': FORWARDED_IP, 'x-request-id': 'attacker-chosen-id' };
    const loggedIn = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      remoteAddress: CLIENT_IP,
      headers,
      payload: { organization: org.slug, email: org.ownerEmail, password: PASSWORD },
    });
    const token = loggedIn.json().token as string;
    await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      remoteAddress: CLIENT_IP,
      headers,
      payload: { organization: org.slug, email: org.ownerEmail, password: 'wrong-secret-pw' },
    });
    await t.app.inject({
      method: 'GET',
      url: '/v1/organization?probe=query-secret',
      remoteAddress: CLIENT_IP,
      headers: { ...headers, authorization: `Bearer ${token}` },
    });
    await t.app.inject({
      method: 'GET',
      url: '/v1/auth/me',
      remoteAddress: CLIENT_IP,
      cookies: { quorum_session: token },
      headers,
    });
    await t.app.inject({ method: 'GET', url: `/s/${token}`, remoteAddress: CLIENT_IP, headers });
    await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      remoteAddress: CLIENT_IP,
      headers: { ...headers, 'content-type': 'application/json' },
      payload: '{"password":"broken-json-secret',
    });

    const text = t.rawLogs.join('\n');
    expect(t.rawLogs.length).toBeGreaterThan(6);
    for (const secret of [
      token,
      token.slice(3),
      PASSWORD,
      'wrong-secret-pw',
      'broken-json-secret',
      CLIENT_IP,
      FORWARDED_IP,
      'QuorumLogProbe',
      'query-secret',
      'attacker-chosen-id',
      org.ownerEmail,
    ]) {
      expect(text, secret).not.toContain(secret);
    }
    expect(text).not.toMatch(/remoteAddress|remotePort|user-agent|hostname/i);
  });

  it('when a request is logged, then it has a request id, method, route pattern and status only', async () => {
    await t.app.inject({ method: 'GET', url: '/healthz' });
    const incoming = t.logs.filter((l) => l.msg === 'incoming request').at(-1)!;
    expect(incoming).toMatchObject({ reqId: expect.any(String), req: { method: 'GET', route: '/healthz' } });
    expect(Object.keys(incoming.req as object).sort()).toEqual(['method', 'route']);
    const completed = t.logs.filter((l) => l.msg === 'request completed').at(-1)!;
    expect(completed.res).toEqual({ statusCode: 200 });
  });

  it('P1 when employees open links, type codes, read the survey, send answers and reuse a link, then not one log line is written', async () => {
    const owner = await tokenFor(t.app, org, 'owner');
    await declareDimensions(t.app, owner);
    await importCsv(t.app, owner, rosterCsv(12, 3));
    const survey = await createSurvey(t.app, owner, { template: 'pulse' });
    const { invitations } = await openWave(t.app, owner, survey.id);
    // HR's last answer is logged once it has ended, which inject may report a tick earlier.
    await new Promise((r) => setTimeout(r, 20));
    const before = t.logs.length;
    const [first, second, third] = invitations;
    expect((await answerByLink(t.app, first!.link)).statusCode).toBe(201);
    expect((await answerByLink(t.app, first!.link)).statusCode).toBe(409);
    const page = await t.app.inject({ method: 'GET', url: `/s/${tokenOfLink(second!.link)}` });
    expect(page.statusCode).toBe(303);
    const cookie = String(page.headers['set-cookie']).split(';')[0]!;
    expect((await t.app.inject({ method: 'GET', url: '/survey', headers: { cookie } })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/assets/quorum.css' })).statusCode).toBe(200);
    await t.app.inject({ method: 'POST', url: `/k/${org.slug}`, payload: { code: third!.code } });
    await t.app.inject({
      method: 'POST',
      url: '/v1/respond/code',
      payload: { organization: org.slug, code: third!.code },
    });
    await t.app.inject({ method: 'GET', url: '/thanks' });
    expect(t.logs.slice(before)).toEqual([]);
    // HR's own requests are still logged.
    await t.app.inject({ method: 'GET', url: '/v1/organization', headers: { authorization: `Bearer ${owner}` } });
    await new Promise((r) => setTimeout(r, 20));
    expect(t.logs.length).toBeGreaterThan(before);
  });
});
