import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(() => t.close());

describe('OpenAPI and health', () => {
  it('when /openapi.json is fetched, then it is OpenAPI 3.1 describing every API route with its problem answers', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.openapi).toBe('3.1.0');
    for (const path of ['/v1/auth/login', '/v1/organization', '/v1/accounts', '/v1/api-keys', '/readyz'])
      expect(doc.paths).toHaveProperty([path]);
    const login = doc.paths['/v1/auth/login'].post;
    expect(Object.keys(login.requestBody.content['application/json'].schema.properties).sort()).toEqual([
      'email',
      'organization',
      'password',
    ]);
    expect(login.responses).toHaveProperty('401');
  });

  it('when /docs is opened, then the UI is served from this host', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('swagger');
  });

  it('when /healthz and /readyz are asked on a migrated database, then both are ok', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ok' });
  });
});
