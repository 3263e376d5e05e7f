import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import type { TestOrg } from '../helpers/factories.ts';
import { rosteredOrganization } from '../helpers/roster.ts';
import { installDiskFull, rowCount, writesFail, writesWork } from '../helpers/faults.ts';
import { answersFor, createSurvey, openWave } from '../helpers/surveys.ts';
import { STRINGS } from '../../src/pages/i18n.ts';
import { escapeHtml } from '../../src/pages/html.ts';

/**
 * Issue 11, item 12: the database fails while an employee opens a link, types a code or sends the
 * survey. Reads fail by a lock held elsewhere until the statement timeout cancels them (SQLSTATE
 * 57014); writes by a trigger raising disk_full (53100), as in test/chaos/disk-full.test.ts.
 */
let t: TestApp;
let org: TestOrg;
let invitations: Array<{ link: string; code: string }>;

beforeAll(async () => {
  t = await buildTestApp({ config: { statementTimeoutMs: 400 } });
  const { org: o, admin } = await rosteredOrganization(t.app, 12, 3);
  org = o;
  invitations = (await openWave(t.app, admin, (await createSurvey(t.app, admin, { template: 'pulse' })).id))
    .invitations;
  await installDiskFull(t.app.db);
});
afterAll(() => t.close());

async function whileLocked<T>(table: string, run: () => Promise<T>): Promise<T> {
  const blocker = new pg.Client(t.databaseUrl);
  await blocker.connect();
  await blocker.query(`begin; lock table ${table} in access exclusive mode`);
  try {
    return await run();
  } finally {
    await blocker.query('rollback');
    await blocker.end();
  }
}

async function whileWritesFail<T>(table: string, run: () => Promise<T>): Promise<T> {
  await writesFail(t.app.db, table);
  try {
    return await run();
  } finally {
    await writesWork(t.app.db, table);
  }
}

const stored = async () =>
  Object.fromEntries(
    await Promise.all(
      (['sealed_responses', 'responses', 'participation'] as const).map(async (table) => [
        table,
        await rowCount(t.app.db, table, org.id),
      ]),
    ),
  );
/** Answers (sealed or released) and participation markers: a refused send leaves neither. */
const answersStored = async () => {
  const s = await stored();
  expect(s.participation).toBe(s.sealed_responses! + s.responses!);
  return s.participation!;
};

const unescape = (s: string) =>
  s.replace(
    /&(amp|lt|gt|quot|#39);/g,
    (m) => ({ '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" })[m]!,
  );
const attr = (tag: string, name: string) => {
  const m = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return m ? unescape(m[1]!) : undefined;
};

/** What a browser would send from the page's form: hidden and checked inputs, textareas. */
function formFields(page: string): Array<[string, string]> {
  const fields: Array<[string, string]> = [];
  for (const [tag] of page.matchAll(/<input\b[^>]*>/g)) {
    const name = attr(tag, 'name');
    const type = attr(tag, 'type') ?? 'text';
    if (!name) continue;
    if ((type === 'radio' || type === 'checkbox') && !/\schecked\b/.test(tag)) continue;
    fields.push([name, attr(tag, 'value') ?? '']);
  }
  for (const [, name, text] of page.matchAll(/<textarea\b[^>]*name="([^"]+)"[^>]*>([\s\S]*?)<\/textarea>/g))
    if (text!.trim()) fields.push([name!, unescape(text!.replace(/^\n/, ''))]);
  return fields;
}

const sorted = (fields: Array<[string, string]>) => [...fields].sort((a, b) => (a.join('=') < b.join('=') ? -1 : 1));

async function openSurvey(link: string): Promise<{ cookie: string; page: string }> {
  const opened = await t.app.inject({ method: 'GET', url: new URL(link).pathname });
  expect(opened.statusCode).toBe(303);
  const cookie = opened.cookies.find((c) => c.name === 'quorum_survey')!.value;
  const form = await t.app.inject({ method: 'GET', url: '/survey', cookies: { quorum_survey: cookie } });
  expect(form.statusCode).toBe(200);
  return { cookie, page: form.body };
}

/** The survey's form filled in the way a person would: every question answered, a comment with markup. */
async function filledIn(cookie: string, page: string, seed: number): Promise<Array<[string, string]>> {
  const survey = (
    await t.app.inject({ method: 'GET', url: '/v1/respond/survey', cookies: { quorum_survey: cookie } })
  ).json();
  const answers = answersFor(survey.questions, seed);
  const fields: Array<[string, string]> = formFields(page).filter(([n]) => n === 'submission');
  for (const q of survey.questions as Array<{ id: string; type: string }>) {
    const value = q.type === 'text' ? `Meetings run "late" & <often> ${seed}` : answers[q.id];
    for (const v of Array.isArray(value) ? value : [value]) fields.push([`q_${q.id}`, String(v)]);
  }
  return fields;
}

const post = (url: string, cookie: string, fields: Array<[string, string]>) =>
  t.app.inject({
    method: 'POST',
    url,
    cookies: { quorum_survey: cookie },
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(fields).toString(),
  });

function expectTryAgainPage(
  response: { statusCode: number; headers: Record<string, unknown>; body: string },
  lang: 'en' | 'ko' | 'pl',
) {
  expect(response.statusCode).toBe(503);
  expect(response.headers['content-type']).toMatch(/^text\/html/);
  expect(response.headers['retry-after']).toBe('5');
  expect(response.body).toContain(escapeHtml(STRINGS[lang].unavailableTitle));
  expect(response.body).not.toContain(escapeHtml(STRINGS[lang].problems['unknown-token']!));
}

describe('the employee pages while the database fails', () => {
  it('when a link is opened and the database cannot answer, then a 503 page in the reader language says try again, and the same link works afterwards', async () => {
    const url = `${new URL(invitations[0]!.link).pathname}?lang=ko`;
    const refused = await whileLocked('invitations', () => t.app.inject({ method: 'GET', url }));
    expectTryAgainPage(refused, 'ko');
    expect(refused.body).toContain(escapeHtml(STRINGS.ko.problems['service-unavailable']!));
    expect(refused.cookies).toEqual([]);
    const retried = await t.app.inject({ method: 'GET', url });
    expect(retried.statusCode).toBe(303);
    expect(retried.headers.location).toBe('/survey?lang=ko');
  });

  it('when a code is typed at the kiosk and the database cannot answer, then 503 in the reader language, the code stays in the field, and Start works afterwards', async () => {
    const code = invitations[1]!.code;
    const kiosk = () =>
      t.app.inject({
        method: 'POST',
        url: `/k/${org.slug}?lang=pl`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ code }).toString(),
      });
    const refused = await whileLocked('invitations', kiosk);
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['retry-after']).toBe('5');
    expect(refused.body).toContain(escapeHtml(STRINGS.pl.problems['service-unavailable']!));
    expect(refused.body).not.toContain(escapeHtml(STRINGS.pl.problems['unknown-token']!));
    expect(formFields(refused.body)).toEqual([['code', code]]);
    const retried = await kiosk();
    expect(retried.statusCode).toBe(303);
    expect(retried.headers.location).toBe('/survey?lang=pl');
  });

  it('when the answers cannot be written, then 503 with every typed answer and the same Idempotency-Key back in the form, nothing stored, and sending that form again stores it once', async () => {
    const { cookie, page } = await openSurvey(invitations[2]!.link);
    const sent = await filledIn(cookie, page, 3);
    const before = await answersStored();
    const refused = await whileWritesFail('sealed_responses', () => post('/survey', cookie, sent));
    expectTryAgainPage(refused, 'en');
    expect(refused.body).toContain(escapeHtml(STRINGS.en.unavailable));
    const kept = formFields(refused.body);
    expect(sorted(kept)).toEqual(sorted(sent));
    expect(await answersStored()).toBe(before);

    const again = await post('/survey', cookie, kept);
    expect(again.statusCode, again.body).toBe(303);
    expect(again.headers.location).toMatch(/^\/thanks\?org=/);
    expect(await answersStored()).toBe(before + 1);
    // The browser's back-and-send once more: acknowledged as the same submission, not counted twice.
    expect((await post('/survey', cookie, kept)).statusCode).toBe(303);
    expect(await answersStored()).toBe(before + 1);
  });

  it('when the survey itself cannot be read at send time, then 503 with every posted field kept in the form, and Try again stores it once', async () => {
    const { cookie, page } = await openSurvey(invitations[3]!.link);
    const sent = await filledIn(cookie, page, 4);
    const before = await answersStored();
    // This instance's view of the open waves is gone too (as right after a restart), so nothing
    // but the database could tell it the survey.
    const refused = await whileLocked('invitations', () => {
      t.app.openWaves.forgetAll();
      return post('/survey?lang=ko', cookie, sent);
    });
    expectTryAgainPage(refused, 'ko');
    expect(refused.body).toContain(escapeHtml(STRINGS.ko.replay));
    const kept = formFields(refused.body);
    expect(sorted(kept)).toEqual(sorted(sent));
    expect(await answersStored()).toBe(before);

    const again = await post('/survey?lang=ko', cookie, kept);
    expect(again.statusCode, again.body).toBe(303);
    expect(await answersStored()).toBe(before + 1);
  });

  it('when a token is simply unknown, then the invalid-link page, 404, as before', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/s/qi_nothing-like-a-real-token' });
    expect(response.statusCode).toBe(404);
    expect(response.body).toContain(escapeHtml(STRINGS.en.problems['unknown-token']!));
  });
});
