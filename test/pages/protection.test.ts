import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { bearer, buildOrganization, tokenFor, type TestOrg } from '../helpers/factories.ts';
import { addRosterPeople, departmentLocationOrganization } from '../helpers/roster.ts';
import { answersFor, createSurvey, openWave, startSession, tokenOfLink } from '../helpers/surveys.ts';

/**
 * SPEC P10: the employee's own view of the protection. Support/Seoul 8, Support/Annex 2,
 * Sales/Seoul 6; department × location declared; comment threshold 10; k 4, raised to 5.
 */
let t: TestApp;
let org: TestOrg;
let owner: string;
let surveyId: string;
let invitations: Array<{ externalId: string; link: string; code: string }>;
let openedAt: string;

const people = [
  ...Array.from({ length: 8 }, () => ({ department: 'Support', location: 'Seoul' })),
  ...Array.from({ length: 2 }, () => ({ department: 'Support', location: 'Annex' })),
  ...Array.from({ length: 6 }, () => ({ department: 'Sales', location: 'Seoul' })),
];

beforeAll(async () => {
  t = await buildTestApp();
  ({ org, owner } = await departmentLocationOrganization(t.app, people, { pair: true }));
  const patched = await t.app.inject({
    method: 'PATCH',
    url: '/v1/organization',
    headers: bearer(owner),
    payload: { commentMinGroupSize: 10 },
  });
  expect(patched.statusCode, patched.body).toBe(200);
  surveyId = (await createSurvey(t.app, owner, { template: 'pulse', minGroupSize: 4 })).id;
  invitations = (await openWave(t.app, owner, surveyId)).invitations;
  openedAt = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date());
  const raised = await t.app.inject({
    method: 'PATCH',
    url: `/v1/surveys/${surveyId}`,
    headers: bearer(owner),
    payload: { minGroupSize: 5 },
  });
  expect(raised.statusCode, raised.body).toBe(200);
});
afterAll(() => t.close());

const linkOf = (externalId: string) => invitations.find((i) => i.externalId === externalId)!.link;
const protectionUrl = (slug = org.slug, survey = surveyId) => `/protection/${slug}/${survey}?lang=en`;

async function sessionOf(externalId: string): Promise<string> {
  const session = await startSession(t.app, tokenOfLink(linkOf(externalId)));
  expect(session.statusCode, session.body).toBe(200);
  return session.json<{ sessionToken: string }>().sessionToken;
}

const read = (session?: string, url = protectionUrl()) =>
  t.app.inject({ method: 'GET', url, cookies: session ? { quorum_survey: session } : {} });

const figure = (body: string, name: string) => new RegExp(`data-${name}>([^<]*)<`).exec(body)?.[1];

describe('GET /protection/:organization/:survey', () => {
  it('P10 shows k, the comment threshold, the dimensions and pairs, and the reader’s smallest group', async () => {
    const sales = await read(await sessionOf('P10'));
    expect(sales.statusCode).toBe(200);
    expect(figure(sales.body, 'k')).toBe('5');
    expect(sales.body).toContain('before: 4');
    expect(figure(sales.body, 'comment-k')).toBe('10');
    expect(sales.body).toMatch(/data-dimensions>\s*<li>department<\/li>\s*<li>location<\/li>/);
    expect(sales.body).toMatch(/data-pairs>\s*<li>department × location<\/li>/);
    // Sales 6, Seoul 14, Sales × Seoul 6: the reader's smallest group has 6 invited.
    expect(figure(sales.body, 'smallest')).toBe('6');
    expect(sales.body).toContain('your answer can appear in');

    // In Annex (2 invited, below k) the reader is told so.
    const annex = await read(await sessionOf('P8'));
    expect(figure(annex.body, 'smallest')).toBe('2');
    expect(annex.body).toContain('That is fewer than 5');

    // Without a session (after submitting): the smallest group of the whole wave, said to be that.
    const anyone = await read();
    expect(figure(anyone.body, 'smallest')).toBe('2');
    expect(anyone.body).toContain('any answer can appear in');
  });

  it('P10 lists a roster change and a code pool made after the survey opened: counts and days, no names', async () => {
    const before = await read();
    expect(before.body).not.toContain('data-changes');
    // Two kiosk staff join Annex after opening (the pool cap needs them), then two codes for Annex.
    await addRosterPeople(t.app, owner, 2, { department: 'Support', location: 'Annex' }, 'KIOSK-ANNEX-');
    const pool = await t.app.inject({
      method: 'POST',
      url: `/v1/surveys/${surveyId}/code-pools`,
      headers: bearer(owner),
      payload: { count: 2, segment: { department: 'Support', location: 'Annex' } },
    });
    expect(pool.statusCode, pool.body).toBe(201);

    const body = await vi.waitFor(async () => {
      const page = (await read()).body;
      expect(page).toContain('Kiosk codes created');
      return page;
    });
    const rows = [
      ...body.matchAll(
        /<tr>\s*<td class="day"><time datetime="(\d{4}-\d{2}-\d{2})">([^<]+)<\/time><\/td>\s*<td>([^<]+)<\/td>/g,
      ),
    ];
    // The first import was before the survey opened: not listed.
    expect(rows.map((r) => [r[2], r[3]])).toEqual([
      [openedAt, 'Roster import: 2 rows'],
      [openedAt, 'Kiosk codes created: 2 codes'],
    ]);
    expect(rows[0]![1]).toBe(new Date().toISOString().slice(0, 10));
    // The wave's own counts: the pool's codes; the smallest group now holds them too.
    expect(body).toMatch(/data-wave-counts>\s*<li>2 kiosk codes<\/li>/);
    expect(figure(body, 'smallest')).toBe('4');
    expect(body).toContain('2 of them HR holds itself');
    expect(body).not.toContain('KIOSK-ANNEX');
    expect(body).not.toMatch(/\d{1,2}:\d{2}/);
  });

  it('P10 answers 404 for another organization’s survey, an unknown one and a malformed address', async () => {
    const other = await buildOrganization(t.app);
    const otherOwner = await tokenFor(t.app, other, 'owner');
    const otherSurvey = (await createSurvey(t.app, otherOwner, { template: 'pulse' })).id;
    await openWave(t.app, otherOwner, otherSurvey);
    expect((await read(undefined, protectionUrl(other.slug, otherSurvey))).statusCode).toBe(200);

    for (const url of [
      protectionUrl(org.slug, otherSurvey),
      protectionUrl(other.slug, surveyId),
      protectionUrl(org.slug, '00000000-0000-4000-8000-000000000000'),
      protectionUrl(org.slug, 'not-a-survey'),
      protectionUrl(org.slug, `${surveyId}${'0'.repeat(50)}`),
      protectionUrl('No_Such_Org', surveyId),
    ]) {
      const response = await read(undefined, url);
      expect(response.statusCode, url).toBe(404);
      expect(response.body).toContain('Survey not found');
      expect(response.body).not.toContain('data-smallest');
    }
    // A draft has no protection to show yet.
    const draft = (await createSurvey(t.app, owner, { template: 'pulse' })).id;
    expect((await read(undefined, protectionUrl(org.slug, draft))).statusCode).toBe(404);
    // A session of another organization picks nothing: the wave-wide view.
    const foreign = await read(await sessionOf('P10'), protectionUrl(other.slug, otherSurvey));
    expect(foreign.body).toContain('any answer can appear in');
  });

  it('P10 is linked from the survey and the thank-you page with no token in its URL, and never cached', async () => {
    const link = linkOf('P3');
    const token = tokenOfLink(link);
    const opened = await t.app.inject({ method: 'GET', url: `/s/${token}?lang=en` });
    const cookie = opened.cookies.find((c) => c.name === 'quorum_survey')!.value;
    const surveyPage = await t.app.inject({
      method: 'GET',
      url: '/survey?lang=en',
      cookies: { quorum_survey: cookie },
    });
    const href = /class="protection-link"><a href="([^"]+)"/.exec(surveyPage.body)?.[1];
    expect(href).toBe(`/protection/${org.slug}/${surveyId}?lang=en`);

    const shown = await read(cookie, href!.replace('&amp;', '&'));
    expect(shown.statusCode).toBe(200);
    expect(shown.headers['cache-control']).toBe('no-store');
    expect(shown.headers['content-security-policy']).toContain("default-src 'none'");
    // Support 10, Seoul 14, Support × Seoul 8.
    expect(figure(shown.body, 'smallest')).toBe('8');
    for (const secret of [token, cookie]) expect(href).not.toContain(secret);

    // After the send the cookie is gone; the thank-you page still links there, naming the survey only.
    const { survey } = (await startSession(t.app, token)).json<{
      survey: { questions: Array<{ id: string; type: string; required: boolean; options?: Array<{ id: string }> }> };
    }>();
    const form = new URLSearchParams();
    for (const [id, value] of Object.entries(answersFor(survey.questions)))
      for (const v of Array.isArray(value) ? value : [value]) form.append(`q_${id}`, String(v));
    form.append('submission', 'p10-thanks-submission');
    const sent = await t.app.inject({
      method: 'POST',
      url: '/survey?lang=en',
      cookies: { quorum_survey: cookie },
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: form.toString(),
    });
    expect(sent.statusCode, sent.body).toBe(303);
    const thanksUrl = sent.headers.location as string;
    expect(thanksUrl).toBe(`/thanks?lang=en&org=${org.slug}&survey=${surveyId}`);
    const thanks = await t.app.inject({ method: 'GET', url: thanksUrl });
    const after = /class="protection-link"><a href="([^"]+)"/.exec(thanks.body)?.[1];
    expect(after).toBe(`/protection/${org.slug}/${surveyId}?lang=en`);
    for (const secret of [token, cookie]) expect(thanksUrl + after).not.toContain(secret);
    const anyone = await read(undefined, after);
    expect(anyone.statusCode).toBe(200);
    expect(anyone.headers['cache-control']).toBe('no-store');
    expect(anyone.body).toContain('any answer can appear in');
    // The thank-you page only links to surveys it can name: anything else, no link.
    for (const query of ['org=../../v1&survey=x', `org=${org.slug}&survey=${surveyId}${'0'.repeat(100)}`]) {
      const odd = await t.app.inject({ method: 'GET', url: `/thanks?${query}` });
      expect(odd.statusCode).toBe(200);
      expect(odd.body).not.toContain('protection-link');
    }
  });
});
