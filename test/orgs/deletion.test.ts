import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { bearer, buildOrganization, tokenFor, type TestOrg } from '../helpers/factories.ts';
import { declareDimensions, importCsv, rosterCsv } from '../helpers/roster.ts';
import { answerByLink, createSurvey, openWave } from '../helpers/surveys.ts';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(() => t.close());

/** Rows per public table for an organization (organizations by id, every other table by org_id). */
async function rowsOf(orgId: string): Promise<Record<string, number>> {
  const { rows: tables } = await sql<{
    name: string;
  }>`select tablename as name from pg_tables where schemaname = 'public' and tablename not like 'kysely_%'`.execute(
    t.app.db,
  );
  const counts: Record<string, number> = {};
  // Not tenant data: the shared code-guessing windows name no organization (a keyed hash of it)
  // and are swept within a minute (src/guessing/shared-budget.ts).
  for (const { name } of tables.filter((t) => t.name !== 'code_guess_windows')) {
    const column = name === 'organizations' ? 'id' : 'org_id';
    const { rows } = await sql<{
      n: number;
    }>`select count(*)::int as n from ${sql.table(name)} where ${sql.ref(column)} = ${orgId}`.execute(t.app.db);
    counts[name] = rows[0]!.n;
  }
  return counts;
}

async function populated(): Promise<{ org: TestOrg; owner: string }> {
  const org = await buildOrganization(t.app);
  const owner = await tokenFor(t.app, org, 'owner');
  await declareDimensions(t.app, owner);
  await importCsv(t.app, owner, rosterCsv(30));
  const survey = await createSurvey(t.app, owner, { template: 'pulse' });
  const { invitations } = await openWave(t.app, owner, survey.id);
  for (const invitation of invitations.slice(0, 12)) await answerByLink(t.app, invitation.link);
  await t.app.inject({
    method: 'POST',
    url: '/v1/api-keys',
    headers: bearer(owner),
    payload: { name: 'k', role: 'analyst' },
  });
  return { org, owner };
}

describe('DELETE /v1/organization', () => {
  it('when the owner deletes with the slug confirmed, then every table holds no row of it and the other organization is untouched', async () => {
    const doomed = await populated();
    const bystander = await populated();
    const before = await rowsOf(doomed.org.id);
    for (const table of [
      'participants',
      'invitations',
      'participation',
      'responses',
      'sealed_responses',
      'answer_counts',
      'sessions',
      'api_keys',
    ])
      expect(before[table], table).toBeGreaterThan(0);
    const bystanderBefore = await rowsOf(bystander.org.id);

    const wrong = await t.app.inject({
      method: 'DELETE',
      url: '/v1/organization',
      headers: bearer(doomed.owner),
      payload: { confirm: 'not-the-slug' },
    });
    expect(wrong.statusCode).toBe(400);
    expect(await rowsOf(doomed.org.id)).toEqual(before);

    const deleted = await t.app.inject({
      method: 'DELETE',
      url: '/v1/organization',
      headers: bearer(doomed.owner),
      payload: { confirm: doomed.org.slug },
    });
    expect(deleted.statusCode).toBe(204);
    const after = await rowsOf(doomed.org.id);
    expect(
      Object.values(after).every((n) => n === 0),
      JSON.stringify(after),
    ).toBe(true);
    expect(await rowsOf(bystander.org.id)).toEqual(bystanderBefore);
    expect(
      (await t.app.inject({ method: 'GET', url: '/v1/organization', headers: bearer(doomed.owner) })).statusCode,
    ).toBe(401);
  });

  it('when an admin tries, then 403 and nothing is deleted', async () => {
    const { org } = await populated();
    const admin = await tokenFor(t.app, org, 'admin');
    const before = await rowsOf(org.id);
    expect(
      (
        await t.app.inject({
          method: 'DELETE',
          url: '/v1/organization',
          headers: bearer(admin),
          payload: { confirm: org.slug },
        })
      ).statusCode,
    ).toBe(403);
    expect(await rowsOf(org.id)).toEqual(before);
  });
});
