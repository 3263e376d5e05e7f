import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.ts';
import { dammDigit } from '../../src/invitations/codes.ts';
import { CODE_GUESS_LIMITS } from '../../src/plugins/code-guessing.ts';
import { createTestDatabase, testConfig } from '../helpers/app.ts';
import { buildOrganization, type TestOrg } from '../helpers/factories.ts';

/**
 * Issue 16, "more than one instance": two apps on one database, as two instances behind a load
 * balancer run — the same TOKEN_PEPPER (TEST_PEPPER), the same box-key folder, the same
 * DATABASE_URL — and every request goes through the real routes of one or the other.
 */
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let a: App;
let b: App;
let instances: [App, App];

beforeAll(async () => {
  database = await createTestDatabase();
  const boxKeyDir = mkdtempSync(path.join(tmpdir(), 'quorum-box-keys-'));
  a = await buildApp(testConfig(database.url, { boxKeyDir }));
  b = await buildApp(testConfig(database.url, { boxKeyDir }));
  instances = [a, b];
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await database?.drop();
});

/** A code whose check digit holds but that no invitation has: a real guess. */
const guessed = (i: number) => {
  const data = String(i).padStart(19, '9');
  return `${data}${dammDigit(data)}`;
};
const address = (i: number) => `198.18.${Math.floor(i / 250) % 250}.${i % 250}`;

/** One try through instance `i % 2`, on the API or the kiosk form by turns, from its own address. */
function guess(i: number, organization: string, code = guessed(i)) {
  const app = instances[i % 2]!;
  return Math.floor(i / 2) % 2 === 0
    ? app.inject({
        method: 'POST',
        url: '/v1/respond/code',
        remoteAddress: address(i),
        payload: { organization, code },
      })
    : app.inject({
        method: 'POST',
        url: `/k/${organization}`,
        remoteAddress: address(i),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ code }).toString(),
      });
}

/**
 * The shared windows are minutes of the database's clock: a run of tries must not straddle one,
 * or it would rightly count in two windows. Waits (at most 15 s) for a minute with room left.
 */
async function freshMinute(): Promise<void> {
  const { rows } = await sql<{ s: number }>`select extract(second from clock_timestamp())::float8 as s`.execute(a.db);
  const second = rows[0]!.s;
  if (second > 45) await new Promise((r) => setTimeout(r, (60 - second + 0.2) * 1000));
  await sql`truncate code_guess_windows`.execute(a.db);
}

async function statusesOf(tries: Array<Promise<{ statusCode: number }>>): Promise<Record<number, number>> {
  const counts: Record<number, number> = {};
  for (const { statusCode } of await Promise.all(tries)) counts[statusCode] = (counts[statusCode] ?? 0) + 1;
  return counts;
}

describe('the code-guessing budget across instances (P5)', () => {
  let target: TestOrg;
  beforeAll(async () => {
    target = await buildOrganization(a);
  });
  beforeEach(freshMinute);

  it("P5 when many clients guess one organization's codes through both instances and both routes, then together they get 300 a minute, not 300 on each", async () => {
    const tries = [];
    for (let i = 0; i < CODE_GUESS_LIMITS.perOrganization + 20; i++) tries.push(guess(i, target.slug));
    expect(await statusesOf(tries)).toEqual({ 404: CODE_GUESS_LIMITS.perOrganization, 429: 20 });
    // The refusal says how long to wait, on either instance.
    const refused = await guess(1, target.slug);
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
  });

  it('P5 when guesses are spread over organizations and both instances, then the global budget refuses them at 600 a minute in all', async () => {
    const orgs = [target, await buildOrganization(a), await buildOrganization(b)];
    const tries = [];
    // Under each organization's 300, over the global 600 together.
    for (let i = 0; i < 3 * 220; i++) tries.push(guess(i, orgs[i % 3]!.slug));
    expect(await statusesOf(tries)).toEqual({ 404: CODE_GUESS_LIMITS.global, 429: 3 * 220 - CODE_GUESS_LIMITS.global });
  });

  it('P5 when PostgreSQL cannot count a try, then the try is refused with 503 on both routes, never let through', async () => {
    const org = await buildOrganization(b);
    await sql`alter table code_guess_windows rename to code_guess_windows_away`.execute(a.db);
    try {
      const api = await guess(0, org.slug);
      expect(api.statusCode).toBe(503);
      expect(api.json()).toMatchObject({ code: 'service-unavailable' });
      expect(Number(api.headers['retry-after'])).toBeGreaterThan(0);
      const kiosk = await guess(3, org.slug);
      expect(kiosk.statusCode).toBe(503);
      expect(kiosk.headers['content-type']).toMatch(/^text\/html/);
    } finally {
      await sql`alter table code_guess_windows_away rename to code_guess_windows`.execute(a.db);
    }
  });

  it('P1 P6 when codes are tried, then the shared budget holds only keyed hashes of one length, a minute and a count, and no address', async () => {
    for (let i = 0; i < 6; i++) await guess(i, target.slug);
    const { rows } = await sql<{ budget: Buffer; window_no: number; tries: number; persistence: string }>`
      select budget, window_no, tries, (select relpersistence from pg_class where relname = 'code_guess_windows') as persistence
      from code_guess_windows`.execute(a.db);
    expect(rows).toHaveLength(2); // this organization's window and the global one
    for (const row of rows) {
      expect(row.budget).toHaveLength(32);
      expect(row.budget.toString('latin1')).not.toContain(target.slug);
      expect(row.budget.toString('latin1')).not.toContain('198.18');
      expect(row.tries).toBe(6);
    }
    expect(rows[0]!.persistence).toBe('u'); // UNLOGGED: never in the WAL
  });
});
