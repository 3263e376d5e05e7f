import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { randomAddress } from '../helpers/factories.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- an OpenAPI document

let t: TestApp;
let doc: Json;
beforeAll(async () => {
  t = await buildTestApp();
  doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
});

const operations = () =>
  Object.entries(doc.paths as Json).flatMap(([path, methods]) =>
    Object.entries(methods as Json).map(([method, operation]) => ({ path, method, operation: operation as Json })),
  );

/** Every schema node a client sends, with where it is: parameters and request bodies, refs followed. */
function requestSchemas(): Array<{ where: string; schema: Json }> {
  const found: Array<{ where: string; schema: Json }> = [];
  const walk = (raw: Json, where: string, depth: number) => {
    const schema: Json = raw.$ref ? doc.components.schemas[raw.$ref.split('/').at(-1)] : raw;
    if (depth > 15 || typeof schema !== 'object' || schema === null) return;
    found.push({ where, schema });
    for (const k of ['anyOf', 'oneOf', 'allOf', 'prefixItems'])
      (schema[k] ?? []).forEach((s: Json, i: number) => walk(s, `${where}.${k}${i}`, depth + 1));
    for (const [name, s] of Object.entries((schema.properties ?? {}) as Json)) walk(s, `${where}.${name}`, depth + 1);
    for (const k of ['items', 'additionalProperties', 'propertyNames'])
      if (schema[k] && typeof schema[k] === 'object') walk(schema[k], `${where}.${k}`, depth + 1);
  };
  for (const { path, method, operation } of operations()) {
    for (const p of operation.parameters ?? []) walk(p.schema, `${method} ${path} ${p.in}.${p.name}`, 0);
    for (const [type, c] of Object.entries((operation.requestBody?.content ?? {}) as Json))
      walk(c.schema, `${method} ${path} body(${type})`, 0);
  }
  return found;
}
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

  it('when the document is read, then every request string has a maxLength, every UUID is format uuid of 36, every request array a maxItems', () => {
    const nodes = requestSchemas();
    const strings = nodes.filter((n) => n.schema.type === 'string');
    const arrays = nodes.filter((n) => n.schema.type === 'array');
    expect(
      strings.filter((n) => n.schema.maxLength === undefined && n.schema.enum === undefined).map((n) => n.where),
    ).toEqual([]);
    expect(arrays.filter((n) => n.schema.maxItems === undefined).map((n) => n.where)).toEqual([]);
    const uuids = strings.filter((n) => n.schema.format === 'uuid');
    expect(uuids.length).toBeGreaterThan(10);
    for (const u of uuids) expect(u.schema.maxLength, u.where).toBe(36);
    // eslint-disable-next-line no-console -- the counts are what docs/reliability.md reports
    console.info(
      `request schemas: ${strings.length} strings (${uuids.length} UUIDs), ${arrays.length} arrays, all bounded`,
    );
  });

  it('when each operation is read, then it declares its security, and problem answers come from one shared set', () => {
    const schemes = Object.keys(doc.components.securitySchemes);
    const shared = doc.components.responses as Json;
    for (const { path, method, operation } of operations()) {
      const where = `${method} ${path}`;
      expect(Array.isArray(operation.security), `${where} declares security`).toBe(true);
      for (const requirement of operation.security)
        for (const name of Object.keys(requirement)) expect(schemes).toContain(name);
      for (const [status, response] of Object.entries(operation.responses as Json)) {
        if (Number(status) < 400) continue;
        const resolved = response.$ref ? shared[response.$ref.split('/').at(-1)] : response;
        expect(resolved?.content, `${where} ${status}`).toHaveProperty(['application/problem+json']);
      }
      if (operation.security.length > 0) expect(Object.keys(operation.responses), where).toContain('401');
      if (operation['x-rate-limit']) {
        expect(operation.responses['429'], where).toEqual({ $ref: '#/components/responses/TooManyRequests' });
        expect(Object.keys(shared.TooManyRequests.headers)).toContain('Retry-After');
      }
    }
    expect(Object.keys(shared).length).toBeGreaterThanOrEqual(10);
  });

  it('when an operation is called without credentials, then it answers 401 exactly when the document says it is secured', async () => {
    const mismatches: string[] = [];
    for (const { path, method, operation } of operations()) {
      if (path === '/v1/auth/logout') continue;
      const response = await t.app.inject({
        method: method.toUpperCase() as 'GET',
        url: path.replace(/\{\w+\}/g, path.includes('templates') ? 'pulse' : randomUUID()),
        remoteAddress: randomAddress(),
        // The respondent's answers are validated before the session is looked at.
        ...(method === 'get' ? {} : { payload: path === '/v1/respond/submit' ? { answers: {} } : {} }),
      });
      const secured = operation.security.length > 0;
      if (secured !== (response.statusCode === 401)) mismatches.push(`${method} ${path}: ${response.statusCode}`);
    }
    expect(mismatches).toEqual([]);
  });
});
