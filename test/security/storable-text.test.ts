import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { bearer, buildOrganization, randomAddress, tokenFor, type TestOrg } from '../helpers/factories.ts';
import { declareDimensions, importCsv, ROSTER_DIMENSIONS, rosterCsv } from '../helpers/roster.ts';
import { createSurvey, openWave, startSession, tokenOfLink } from '../helpers/surveys.ts';

/**
 * Issue 11 item 9: text PostgreSQL cannot store (a NUL, a lone surrogate half) sent in every string
 * the OpenAPI document declares — body fields, record keys, query and path parameters — of every
 * operation, each inside an otherwise valid request so that it would reach the database. The
 * answer is a 4xx problem+json, never a 500. A route added without a base request here fails.
 */
const HOSTILE = { nul: 'a\u0000b', surrogate: 'a\ud800b' };
// The same, as a URL carries them: a lone surrogate has no UTF-8 form, so its CESU bytes are sent.
const HOSTILE_IN_URL = { nul: 'a%00b', surrogate: 'a%ED%A0%80b' };

interface Base {
  auth?: 'owner' | 'session' | 'none';
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
}
type Schema = Record<string, unknown>;

const definition = {
  title: { en: 'Pulse' },
  languages: ['en'],
  defaultLanguage: 'en',
  // The choice question first: hostile strings are planted in the first element of an array.
  questions: [
    {
      id: 'q2',
      type: 'single_choice',
      text: { en: 'Which?' },
      theme: 'growth',
      options: [
        { id: 'a', text: { en: 'A' } },
        { id: 'b', text: { en: 'B' } },
      ],
    },
    { id: 'q1', type: 'likert5', text: { en: 'How is it going?' }, theme: 'workload' },
    { id: 'q3', type: 'text', text: { en: 'Anything else?' }, required: false },
  ],
};

let t: TestApp;
let org: TestOrg;
let owner: string;
let session: string;
let ids: { open: string; draft: string };
let doc: { paths: Record<string, Record<string, Schema>>; components: { schemas?: Record<string, Schema> } };

/** One valid request per operation; each hostile request changes exactly one string of it. */
const base = (): Record<string, Base> => ({
  'GET /healthz': { auth: 'none' },
  'GET /readyz': { auth: 'none' },
  'POST /v1/auth/login': {
    auth: 'none',
    body: { organization: org.slug, email: 'nobody@example.com', password: 'not the password' },
  },
  'POST /v1/auth/logout': {},
  'GET /v1/auth/me': {},
  'GET /v1/organization': {},
  'PATCH /v1/organization': { body: { name: 'Renamed', reportablePairs: [['department', 'location']] } },
  'DELETE /v1/organization': { body: { confirm: 'not-the-slug' } },
  'GET /v1/accounts': {},
  'POST /v1/accounts': {
    body: {
      email: 'analyst@example.com',
      role: 'analyst',
      password: 'a long enough password',
      scope: { dimension: 'department', value: 'Support' },
    },
  },
  'DELETE /v1/accounts/{id}': { params: { id: randomUUID() } },
  'PUT /v1/accounts/me/password': {
    body: { currentPassword: 'not the password', newPassword: 'another long password' },
  },
  'GET /v1/api-keys': {},
  'POST /v1/api-keys': { body: { name: 'integration', role: 'analyst' } },
  'DELETE /v1/api-keys/{id}': { params: { id: randomUUID() } },
  'GET /v1/roster/dimensions': {},
  'PUT /v1/roster/dimensions': { body: ROSTER_DIMENSIONS.map((d) => ({ ...d, label: d.key })) },
  'POST /v1/roster/import': {
    body: [{ externalId: 'W1', email: 'w1@example.com', name: 'W', attributes: { department: 'Support' } }],
  },
  'GET /v1/roster/participants': { query: { after: 'A' } },
  'GET /v1/templates': {},
  'GET /v1/templates/{key}': { params: { key: 'pulse' } },
  'POST /v1/surveys': { body: { definition, audience: { filter: { department: ['Support'] } } } },
  'GET /v1/surveys': {},
  'GET /v1/surveys/{id}': { params: { id: ids.open } },
  'PATCH /v1/surveys/{id}': {
    params: { id: ids.draft },
    body: { definition, audience: { filter: { department: ['Support'] } } },
  },
  'GET /v1/surveys/{id}/waves': { params: { id: ids.open } },
  'POST /v1/surveys/{id}/waves': { params: { id: ids.draft } },
  'POST /v1/surveys/{id}/reminders': { params: { id: ids.open } },
  'POST /v1/surveys/{id}/close': { params: { id: ids.open } },
  'POST /v1/surveys/{id}/code-pools': {
    params: { id: ids.open },
    body: { count: 2, segment: { department: 'Operations' } },
  },
  'POST /v1/respond/session': { auth: 'none', query: { lang: 'en' }, body: { token: 'qi_not-a-real-token' } },
  'POST /v1/respond/code': {
    auth: 'none',
    query: { lang: 'en' },
    body: { organization: org.slug, code: 'not a code 1234' },
  },
  'GET /v1/respond/survey': { auth: 'session', query: { lang: 'en' } },
  'POST /v1/respond/submit': { auth: 'session', body: { answers: { share: 'fine' } } },
  'GET /v1/reports/surveys/{id}/overview': { params: { id: ids.open }, query: { wave: '1' } },
  'GET /v1/reports/surveys/{id}/breakdown': { params: { id: ids.open }, query: { dimension: 'department' } },
  'GET /v1/reports/surveys/{id}/heatmap': { params: { id: ids.open }, query: { dimension: 'department' } },
  'GET /v1/reports/surveys/{id}/trend': { params: { id: ids.open }, query: { dimension: 'department' } },
  'GET /v1/reports/surveys/{id}/comments': {
    params: { id: ids.open },
    query: { question: 'share', dimension: 'department', value: 'Support' },
  },
  'GET /v1/audit': { query: { limit: '10' } },
});

beforeAll(async () => {
  t = await buildTestApp();
  org = await buildOrganization(t.app);
  owner = await tokenFor(t.app, org, 'owner');
  await declareDimensions(t.app, owner);
  await importCsv(t.app, owner, rosterCsv(20));
  const open = await createSurvey(t.app, owner, { template: 'pulse' });
  const { invitations } = await openWave(t.app, owner, open.id);
  session = (await startSession(t.app, tokenOfLink(invitations[0]!.link))).json().sessionToken;
  ids = { open: open.id, draft: (await createSurvey(t.app, owner, { template: 'pulse' })).id };
  doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
});
afterAll(() => t.close());

/** A string the document declares: where it is (a path into the body; '*' is any key) and whether it is a key. */
interface StringSite {
  path: Array<string | number>;
  key: boolean;
}

function resolve(schema: Schema): Schema {
  const ref = schema.$ref as string | undefined;
  return ref ? resolve(doc.components.schemas![ref.replace('#/components/schemas/', '')]!) : schema;
}

function stringSites(raw: Schema, path: Array<string | number> = [], depth = 0): StringSite[] {
  const schema = resolve(raw);
  if (depth > 12) return [];
  const sites: StringSite[] = [];
  const type = schema.type;
  if (type === 'string' || (Array.isArray(type) && type.includes('string'))) sites.push({ path, key: false });
  for (const keyword of ['anyOf', 'oneOf', 'allOf'])
    for (const branch of (schema[keyword] as Schema[] | undefined) ?? [])
      sites.push(...stringSites(branch, path, depth + 1));
  for (const [name, child] of Object.entries((schema.properties as Record<string, Schema> | undefined) ?? {}))
    sites.push(...stringSites(child, [...path, name], depth + 1));
  if (schema.items && typeof schema.items === 'object')
    sites.push(...stringSites(schema.items as Schema, [...path, 0], depth + 1));
  ((schema.prefixItems as Schema[] | undefined) ?? []).forEach((item, i) =>
    sites.push(...stringSites(item, [...path, i], depth + 1)),
  );
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object')
    sites.push(...stringSites(schema.additionalProperties as Schema, [...path, '*'], depth + 1));
  if (schema.propertyNames && resolve(schema.propertyNames as Schema).type === 'string')
    sites.push({ path, key: true });
  return sites;
}

/** A copy of `body` with the string at `site` replaced by `value` (or a key added that is `value`). */
function plant(body: unknown, site: StringSite, value: string): unknown {
  const copy = structuredClone(body ?? {}) as Record<string | number, unknown>;
  if (site.path.length === 0 && !site.key) return value;
  let node: Record<string | number, unknown> = copy;
  const steps = site.key ? site.path : site.path.slice(0, -1);
  for (const step of steps) {
    const name = step === '*' ? (Object.keys(node)[0] ?? 'x') : step;
    if (node[name] === null || typeof node[name] !== 'object') node[name] = typeof step === 'number' ? [{}] : {};
    node = node[name] as Record<string | number, unknown>;
  }
  if (site.key) {
    const sample = Object.values(node)[0] ?? 'x';
    node[value] = structuredClone(sample);
  } else {
    const last = site.path.at(-1)!;
    node[last === '*' ? (Object.keys(node)[0] ?? 'x') : last] = value;
  }
  return site.path.length === 0 && site.key ? node : copy;
}

const where = (site: StringSite) => `${site.key ? 'a key of ' : ''}body.${site.path.join('.') || '(root)'}`;

describe('text PostgreSQL cannot store, in every string of every operation', () => {
  it('when a NUL or a lone surrogate is sent in each declared string field, record key, query and path parameter, then never a 500', async () => {
    const requests = base();
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({
        op: `${method.toUpperCase()} ${path}`,
        path,
        method,
        operation,
      })),
    );
    expect(
      operations.map((o) => o.op).filter((op) => !(op in requests)),
      'operations without a base request',
    ).toEqual([]);

    let sites = 0;
    let refused = 0;
    const failures: string[] = [];
    for (const { op, path, method, operation } of operations) {
      const b = requests[op]!;
      const parameters =
        (operation.parameters as Array<{ in: string; name: string; schema: Schema }> | undefined) ?? [];
      const body = (operation.requestBody as { content?: Record<string, { schema: Schema }> } | undefined)?.content?.[
        'application/json'
      ]?.schema;
      const bodySites = body ? [...new Map(stringSites(body).map((s) => [where(s), s])).values()] : [];
      const paramSites = parameters.filter(
        (p) => (p.in === 'path' || p.in === 'query') && stringSites(p.schema).some((s) => !s.key),
      );
      type Variant = { label: string; params: Record<string, string>; query: Record<string, string>; body: unknown };
      const variants: Variant[] = [];
      for (const kind of ['nul', 'surrogate'] as const) {
        for (const p of paramSites) {
          const params = { ...b.params };
          const query = { ...b.query };
          (p.in === 'path' ? params : query)[p.name] = HOSTILE_IN_URL[kind];
          variants.push({ label: `${kind} in ${p.in}.${p.name}`, params, query, body: b.body });
        }
        for (const site of bodySites)
          variants.push({
            label: `${kind} in ${where(site)}`,
            params: { ...b.params },
            query: { ...b.query },
            body: plant(b.body, site, HOSTILE[kind]),
          });
      }
      sites += paramSites.length + bodySites.length;
      for (const v of variants) {
        const url =
          path.replace(/\{(\w+)\}/g, (_, name: string) => v.params[name] ?? randomUUID()) +
          (Object.keys(v.query).length
            ? '?' +
              Object.entries(v.query)
                .map(([k, value]) => `${k}=${value.includes('%') ? value : encodeURIComponent(value)}`)
                .join('&')
            : '');
        const auth = b.auth === 'none' ? {} : bearer(b.auth === 'session' ? session : owner);
        const response = await t.app.inject({
          method: method.toUpperCase() as 'POST',
          url,
          remoteAddress: randomAddress(),
          headers: auth,
          ...(method === 'get' || v.body === undefined ? {} : { payload: v.body as object }),
        });
        const said = `${op} with ${v.label} → ${response.statusCode} ${response.body.slice(0, 160)}`;
        if (response.statusCode >= 500) failures.push(said);
        else if (response.statusCode >= 400) {
          refused++;
          // A URL that does not decode is refused by the router before any route runs: problem+json
          // too, through frameworkErrors (src/plugins/framework-errors.ts).
          if (!String(response.headers['content-type']).startsWith('application/problem+json'))
            failures.push(`${said} (not problem+json)`);
        }
      }
    }
    expect(failures).toEqual([]);
    // eslint-disable-next-line no-console -- the counts are what docs/reliability.md reports
    console.info(
      `storable text: ${sites} string sites over ${operations.length} operations; ${refused} of ${sites * 2} hostile requests refused with a 4xx`,
    );
    expect(sites).toBeGreaterThan(60);
  }, 120_000);
});
