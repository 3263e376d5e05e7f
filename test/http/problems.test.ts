import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import Fastify from 'fastify';
import { sql } from 'kysely';
import { pino } from 'pino';
import { problemsPlugin } from '../../src/plugins/problems.ts';
import { buildApp, type App } from '../../src/app.ts';
import { buildTestApp, testConfig, type TestApp } from '../helpers/app.ts';
import { bearer, buildOrganization, tokenFor } from '../helpers/factories.ts';
import { freePort } from '../helpers/ports.ts';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(() => t.close());

function expectProblem(
  response: { statusCode: number; headers: Record<string, unknown>; json: () => Record<string, unknown>; body: string },
  status: number,
  code: string,
) {
  expect(response.statusCode).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const problem = response.json();
  expect(problem).toMatchObject({
    type: `urn:quorum:problem:${code}`,
    status,
    code,
    title: expect.any(String),
    detail: expect.any(String),
    requestId: expect.any(String),
  });
  expect(response.body).not.toMatch(/\bat .*\.(ts|js):\d+/); // no stack trace
}

describe('errors are RFC 9457 problem+json', () => {
  it('when the route does not exist, then 404 route-not-found without echoing the URL', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/v1/nothing-here/secret-looking-token' });
    expectProblem(response, 404, 'route-not-found');
    expect(response.body).not.toContain('secret-looking-token');
  });

  it('when the body is not JSON, then 400 malformed-body', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"organization":',
    });
    expectProblem(response, 400, 'malformed-body');
  });

  it('when the content type is not JSON, then 415 unsupported-media-type', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      headers: { 'content-type': 'application/xml' },
      payload: '<login/>',
    });
    expectProblem(response, 415, 'unsupported-media-type');
  });

  it('when the body is larger than the limit, then 413 payload-too-large', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { organization: 'x'.repeat(300_000) },
    });
    expectProblem(response, 413, 'payload-too-large');
  });

  it('when fields are invalid, then 400 validation-failed names each field', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { organization: 'Not A Slug', email: 'nope' },
    });
    expectProblem(response, 400, 'validation-failed');
    const fields = (response.json().errors as Array<{ field: string }>).map((e) => e.field).sort();
    expect(fields).toEqual(['body.email', 'body.organization', 'body.password']);
  });

  it('when a path parameter is malformed, then 400 names params.id', async () => {
    const org = await buildOrganization(t.app);
    const token = await tokenFor(t.app, org, 'owner');
    const response = await t.app.inject({ method: 'DELETE', url: '/v1/accounts/not-a-uuid', headers: bearer(token) });
    expectProblem(response, 400, 'validation-failed');
    expect(response.json().errors[0].field).toBe('params.id');
  });

  it('when any JSON is posted to login, then the answer is a 4xx problem and never a 500', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), async (payload) => {
        const response = await t.app.inject({
          method: 'POST',
          url: '/v1/auth/login',
          headers: { 'content-type': 'application/json' },
          payload: JSON.stringify(payload),
          remoteAddress: `10.9.${Math.floor(Math.random() * 255)}.${Math.floor(Math.random() * 255)}`,
        });
        expect(response.statusCode).toBeGreaterThanOrEqual(400);
        expect(response.statusCode).toBeLessThan(500);
        expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      }),
      { numRuns: 150 },
    );
  });

  it('when every response is checked, then security headers are set', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(response.headers['content-security-policy']).toContain("default-src 'none'");
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    expect(response.headers['strict-transport-security']).toBeDefined();
  });
});

describe('when the database is unreachable', () => {
  let app: App;
  beforeAll(async () => {
    app = await buildApp(testConfig(`postgres://quorum:x@127.0.0.1:${await freePort()}/quorum`));
  });
  afterAll(() => app.close());

  it('then an HR route answers 503 service-unavailable with Retry-After, not 500', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/v1/organization',
      headers: bearer('qs_' + 'a'.repeat(43)),
    });
    expectProblem(response, 503, 'service-unavailable');
    expect(response.headers['retry-after']).toBe('5');
  });

  it('then /readyz answers 503 and /healthz still 200', async () => {
    expectProblem(await app.inject({ method: 'GET', url: '/readyz' }), 503, 'database-unreachable');
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });
});

describe('text PostgreSQL refuses, past the schemas (the safety net)', () => {
  // A route the schemas do not guard, talking to the real database: what a forgotten
  // storableText would let through. Built on its own instance so the app's routes stay as they are.
  async function unguarded() {
    const lines: string[] = [];
    const app = Fastify({
      loggerInstance: pino(
        { level: 'info' },
        new Writable({
          write(chunk, _encoding, done) {
            lines.push(String(chunk));
            done();
          },
        }),
      ),
    });
    await app.register(problemsPlugin);
    app.post('/echo/:cast', async (request) => {
      const { cast } = request.params as { cast: 'text' | 'jsonb' | 'uuid' };
      const value = (request.body as { value: string }).value;
      const param = cast === 'jsonb' ? JSON.stringify({ value }) : value;
      await sql`select ${param}::${sql.raw(cast)} as v`.execute(t.app.db);
      return { ok: true };
    });
    await app.ready();
    return { app, lines };
  }

  it.each([
    ['text', 'secret-looking\u0000value', '22021'],
    ['jsonb', 'secret-looking\u0000value', '22P05'],
    ['uuid', 'secret-looking-value', '22P02'],
  ] as const)(
    'when a %s value PostgreSQL cannot take reaches it, then 400 invalid-text, and the log has the SQLSTATE, not the value',
    async (cast, value, sqlState) => {
      const { app, lines } = await unguarded();
      try {
        const response = await app.inject({ method: 'POST', url: `/echo/${cast}`, payload: { value } });
        expectProblem(response, 400, 'invalid-text');
        const log = lines.join('');
        expect(log).toContain(sqlState);
        expect(log).not.toContain('secret-looking');
      } finally {
        await app.close();
      }
    },
  );
});
