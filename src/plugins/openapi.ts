import fp from 'fastify-plugin';
import swagger, { type SwaggerTransform, type SwaggerTransformObject } from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { RouteOptions } from 'fastify';
import { createJsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import type { JSONSchema } from 'zod/v4/core';
import { SURVEY_COOKIE } from '../responses/routes.ts';
import { accessRuleOf, SESSION_COOKIE } from './auth.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- an OpenAPI document

const securitySchemes = {
  session: {
    type: 'http',
    scheme: 'bearer',
    description: 'An HR session token (qs_...) from POST /v1/auth/login.',
  },
  apiKey: {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key (qk_...) from POST /v1/api-keys. Never an owner; never manages accounts or keys.',
  },
  sessionCookie: {
    type: 'apiKey',
    in: 'cookie',
    name: SESSION_COOKIE,
    description: 'The httpOnly, SameSite=Strict session cookie login sets (the HR dashboard, same origin).',
  },
  surveySession: {
    type: 'http',
    scheme: 'bearer',
    description: 'A survey session token (qv_...) from POST /v1/respond/session or /v1/respond/code.',
  },
  surveyCookie: {
    type: 'apiKey',
    in: 'cookie',
    name: SURVEY_COOKIE,
    description: 'The survey session as the httpOnly cookie those routes set.',
  },
} as const;

const HR_SECURITY = [{ session: [] }, { apiKey: [] }, { sessionCookie: [] }];
const PERSON_SECURITY = [{ session: [] }, { sessionCookie: [] }];

/**
 * Problem answers, described once and referenced by every operation they apply to (RFC 9457;
 * plugins/problems.ts produces them). `when` says which operations can meet each.
 */
interface Operation {
  hasInput: boolean;
  hasBody: boolean;
  hasPathParams: boolean;
  secured: boolean;
  hr: boolean;
  rateLimited: boolean;
}
const PROBLEMS: Record<number, { name: string; description: string; when: (op: Operation) => boolean }> = {
  400: {
    name: 'BadRequest',
    description: 'The request is not valid (`validation-failed` names each field) or cannot be parsed.',
    when: (op) => op.hasInput,
  },
  401: {
    name: 'Unauthenticated',
    description: 'No valid credentials: missing, expired or revoked.',
    when: (op) => op.secured,
  },
  403: {
    name: 'Forbidden',
    description: 'The role, or the kind of credential (an API key where a person is needed), does not allow this.',
    when: (op) => op.hr,
  },
  404: { name: 'NotFound', description: 'No such resource in your organization.', when: (op) => op.hasPathParams },
  409: { name: 'Conflict', description: 'The resource is not in a state that allows this.', when: () => false },
  410: { name: 'Gone', description: 'The token or its wave has expired.', when: () => false },
  413: { name: 'PayloadTooLarge', description: 'The body is larger than the route accepts.', when: (op) => op.hasBody },
  415: {
    name: 'UnsupportedMediaType',
    description: 'The body is not in a content type the route accepts.',
    when: (op) => op.hasBody,
  },
  422: {
    name: 'UnprocessableContent',
    description: 'The content was read but refused; each problem is listed.',
    when: () => false,
  },
  429: {
    name: 'TooManyRequests',
    description: 'A rate limit or a login lock; retry after the time given.',
    when: (op) => op.rateLimited,
  },
  500: {
    name: 'InternalError',
    description: 'A fault on our side, logged; never caused by the input.',
    when: () => true,
  },
  503: {
    name: 'ServiceUnavailable',
    description: 'The database is unavailable; retry after the time given.',
    when: (op) => op.secured || op.hasInput,
  },
};
const RETRY_AFTER = { $ref: '#/components/headers/Retry-After' };

const headers = {
  'Retry-After': {
    description: 'Seconds to wait before retrying.',
    schema: { type: 'integer', format: 'int32', minimum: 0, maximum: 86_400 },
  },
  // @fastify/rate-limit's names, on every answer of a rate-limited route.
  'X-RateLimit-Limit': {
    description: 'Requests allowed in the window.',
    schema: { type: 'integer', format: 'int32', minimum: 0, maximum: 1_000_000 },
  },
  'X-RateLimit-Remaining': {
    description: 'Requests left in the window.',
    schema: { type: 'integer', format: 'int32', minimum: 0, maximum: 1_000_000 },
  },
  'X-RateLimit-Reset': {
    description: 'Seconds until the window resets.',
    schema: { type: 'integer', format: 'int32', minimum: 0, maximum: 86_400 },
  },
};
const RATE_LIMIT_HEADERS = Object.fromEntries(
  ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'].map((h) => [
    h,
    { $ref: `#/components/headers/${h}` },
  ]),
);

function problemResponse(status: number): Json {
  const problem = PROBLEMS[status]!;
  return {
    description: problem.description,
    // Only rate-limited routes answer 429, and they send their limit with it.
    ...(status === 429 ? { headers: { 'Retry-After': RETRY_AFTER, ...RATE_LIMIT_HEADERS } } : {}),
    ...(status === 503 ? { headers: { 'Retry-After': RETRY_AFTER } } : {}),
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
  };
}

const INT32 = 2 ** 31;

/**
 * Additions to zod's JSON Schema that state what the validators already enforce: a UUID is 36
 * characters, an integer's size, a tuple's items. The library's own override is kept for what this
 * document needs (empty union branches dropped).
 */
function override(ctx: { zodSchema: { _zod: { def: { type: string } } }; jsonSchema: JSONSchema.BaseSchema }) {
  const json = ctx.jsonSchema as Json;
  if (ctx.zodSchema._zod.def.type === 'union' && Array.isArray(json.anyOf))
    json.anyOf = json.anyOf.filter((branch: Json) => Object.keys(branch).length > 0);
  if (json.format === 'uuid' && json.maxLength === undefined) json.maxLength = 36;
  // Two regex checks (storableText and a field's own shape) come out as allOf of bare patterns;
  // the field's own pattern is lifted to `pattern`, where readers and linters look for it.
  const patterns = Array.isArray(json.allOf) ? (json.allOf as Json[]) : [];
  if (json.pattern === undefined && patterns.length > 0 && patterns.every((p) => Object.keys(p).join() === 'pattern')) {
    json.pattern = patterns.at(-1)!.pattern;
    json.allOf = patterns.slice(0, -1);
    if (json.allOf.length === 0) delete json.allOf;
  }
  if (json.type === 'integer' && json.format === undefined) {
    const low = json.minimum ?? json.exclusiveMinimum ?? -Infinity;
    const high = json.maximum ?? json.exclusiveMaximum ?? Infinity;
    json.format = low >= -INT32 && high < INT32 ? 'int32' : 'int64';
  }
  // A tuple: zod says `items: false` beyond the prefix, which maxItems already forbids; naming the
  // prefix's schema instead keeps tools that expect `items` on every array working.
  if (Array.isArray(json.prefixItems) && json.maxItems === json.prefixItems.length && !json.items) {
    const distinct = [...new Map(json.prefixItems.map((s: Json) => [JSON.stringify(s), s])).values()];
    json.items = distinct.length === 1 ? distinct[0] : { anyOf: distinct };
  }
}

const zodTransform = createJsonSchemaTransform({ zodToJsonConfig: { override } });

const operationId = (method: string, url: string) =>
  method.toLowerCase() +
  url
    .replace(/^\/v1/, '')
    .split(/[/-]/)
    .filter(Boolean)
    .map((part) => (part.startsWith(':') ? `By${part.slice(1)}` : part))
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');

/** Per route: its security, read from the hook that enforces it; its rate limit; an operationId. */
const transform: SwaggerTransform = (input) => {
  const result = zodTransform(input) as { schema: Json; url: string };
  const route = input.route as RouteOptions & { config?: { rateLimit?: { max?: unknown; timeWindow?: unknown } } };
  const schema: Json = { ...result.schema };
  if (schema.hide) return result;
  if (schema.security === undefined) {
    const rule = accessRuleOf(route.onRequest);
    schema.security = rule ? (rule.sessionOnly ? PERSON_SECURITY : HR_SECURITY) : [];
  }
  const limit = route.config?.rateLimit;
  if (limit) schema['x-rate-limit'] = { max: limit.max, timeWindow: limit.timeWindow };
  schema.operationId ??= operationId(String(route.method), input.url);
  return { ...result, schema };
};

/** The whole document: shared problem answers and headers, declared tags. */
const transformObject: SwaggerTransformObject = (input) => {
  const doc = jsonSchemaTransformObject(input) as Json;
  doc.components.responses = Object.fromEntries(
    Object.entries(PROBLEMS).map(([status, p]) => [p.name, problemResponse(Number(status))]),
  );
  doc.components.headers = headers;
  const tags = new Set<string>();
  for (const [path, methods] of Object.entries(doc.paths as Json)) {
    for (const operation of Object.values(methods as Json) as Json[]) {
      for (const tag of operation.tags ?? []) tags.add(tag);
      const security = (operation.security ?? []) as Json[];
      const op: Operation = {
        hasInput: (operation.parameters?.length ?? 0) > 0 || operation.requestBody !== undefined,
        hasBody: operation.requestBody !== undefined,
        hasPathParams: path.includes('{'),
        secured: security.length > 0,
        hr: security.some((s) => 'session' in s),
        rateLimited: operation['x-rate-limit'] !== undefined,
      };
      const declared = Object.keys(operation.responses ?? {})
        .map(Number)
        .filter((status) => status >= 400 && PROBLEMS[status]);
      const applicable = Object.keys(PROBLEMS)
        .map(Number)
        .filter((status) => declared.includes(status) || PROBLEMS[status]!.when(op));
      const responses: Json = {};
      for (const [status, response] of Object.entries(operation.responses ?? {}))
        if (Number(status) < 400) responses[status] = response;
      for (const status of applicable)
        responses[status] =
          op.rateLimited && status !== 429
            ? problemResponse(status)
            : { $ref: `#/components/responses/${PROBLEMS[status]!.name}` };
      // A rate-limited route sends its limit on every answer (@fastify/rate-limit's onRequest hook).
      if (op.rateLimited)
        for (const [status, response] of Object.entries(responses) as Array<[string, Json]>)
          if (/^[24]/.test(status) && !response.$ref) response.headers = { ...response.headers, ...RATE_LIMIT_HEADERS };
      operation.responses = responses;
    }
  }
  doc.tags = [...tags].sort().map((name) => ({ name }));
  // zod registers an input twin of every named schema (ProblemInput); unreferenced ones are noise.
  const text = JSON.stringify(doc.paths) + JSON.stringify(doc.components.responses);
  for (const name of Object.keys(doc.components.schemas ?? {}))
    if (!text.includes(`"#/components/schemas/${name}"`)) delete doc.components.schemas[name];
  return doc;
};

/** OpenAPI 3.1 generated from the routes' zod schemas: /openapi.json and a UI at /docs. */
export const openapiPlugin = fp(
  async (app) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Quorum',
          version: '0.1.0',
          description: 'Anonymous employee pulse surveys. Every error is RFC 9457 application/problem+json.',
        },
        components: { securitySchemes },
      },
      transform,
      transformObject,
    });
    await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  },
  { name: 'openapi' },
);
