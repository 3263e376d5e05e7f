import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import type { TestOrg } from '../helpers/factories.ts';
import { rosteredOrganization } from '../helpers/roster.ts';
import { createSurvey, openWave, startSession, tokenOfLink } from '../helpers/surveys.ts';
import { currentXid, storedLengths } from './on-disk.ts';

/**
 * SPEC P1: every row of a table looks alike whatever channel wrote it. An employee answers by
 * link or by code, through the JSON API (with or without an Idempotency-Key) or through the
 * server-rendered form; a database reader must not tell which from what the answer left behind.
 */
let t: TestApp;
let org: TestOrg;
let admin: string;
let invitations: Array<{ link: string; code: string }>;

beforeAll(async () => {
  t = await buildTestApp({ config: { releaseBatchSize: 10_000 } });
  ({ org, admin } = await rosteredOrganization(t.app, 20, 3));
  const survey = await createSurvey(t.app, admin, {
    definition: {
      title: { en: 'Channels' },
      languages: ['en'],
      defaultLanguage: 'en',
      questions: [
        { id: 'mood', type: 'likert5', text: { en: 'Mood?' } },
        { id: 'why', type: 'text', text: { en: 'Why?' }, required: false },
      ],
    },
    minGroupSize: 5,
  });
  ({ invitations } = await openWave(t.app, admin, survey.id));
});
afterAll(() => t.close());

const viaApi = async (sessionToken: string, idempotencyKey?: string) => {
  const response = await t.app.inject({
    method: 'POST',
    url: '/v1/respond/submit',
    headers: {
      authorization: `Bearer ${sessionToken}`,
      ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
    },
    payload: { answers: { mood: 4 } },
  });
  expect(response.statusCode).toBe(201);
};

const viaForm = async (cookie: string) => {
  const form = await t.app.inject({ method: 'GET', url: '/survey', cookies: { quorum_survey: cookie } });
  const submission = /name="submission" value="([^"]+)"/.exec(form.body)![1]!;
  const sent = await t.app.inject({
    method: 'POST',
    url: '/survey',
    cookies: { quorum_survey: cookie },
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ q_mood: '4', q_why: '', submission }).toString(),
  });
  expect(sent.statusCode).toBe(303);
};

const surveyCookie = (response: { statusCode: number; cookies: Array<{ name: string; value: string }> }) => {
  expect(response.statusCode).toBe(303);
  return response.cookies.find((c) => c.name === 'quorum_survey')!.value;
};

/** One answer per channel; returns nothing but what it wrote. */
const channels: Record<string, (invitation: { link: string; code: string }) => Promise<void>> = {
  'API, link, no Idempotency-Key': async (i) =>
    viaApi((await startSession(t.app, tokenOfLink(i.link))).json().sessionToken),
  'API, link, Idempotency-Key': async (i) =>
    viaApi((await startSession(t.app, tokenOfLink(i.link))).json().sessionToken, 'a-key-of-the-clients-choice-0001'),
  'API, code': async (i) => {
    const session = await t.app.inject({
      method: 'POST',
      url: '/v1/respond/code',
      payload: { organization: org.slug, code: i.code },
    });
    await viaApi(session.json().sessionToken);
  },
  'form, link': async (i) =>
    viaForm(surveyCookie(await t.app.inject({ method: 'GET', url: new URL(i.link).pathname }))),
  'form, kiosk code': async (i) =>
    viaForm(
      surveyCookie(
        await t.app.inject({
          method: 'POST',
          url: `/k/${org.slug}`,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: new URLSearchParams({ code: i.code }).toString(),
        }),
      ),
    ),
};

describe('P1 when the same answer arrives through every channel', () => {
  it('then participation and sealed box rows have the same columns set, the same lengths and the same tuple sizes', async () => {
    await sql`create extension if not exists pageinspect`.execute(t.app.db);
    const since = await currentXid(t.app.db);
    const shapes: Record<string, { participation: string; sealed: string }> = {};
    for (const [i, [name, answer]] of Object.entries(channels).entries()) {
      const before = await currentXid(t.app.db);
      await answer(invitations[i]!);
      // Each channel's own rows: written by the transaction(s) after `before`.
      const { rows: p } = await sql<{ shape: string }>`
        select concat_ws(',', org_id is null, wave_id is null, octet_length(marker), octet_length(submission)) as shape
        from participation where org_id = ${org.id} and xmin::text::bigint > ${before}`.execute(t.app.db);
      const { rows: s } = await sql<{ shape: string }>`
        select concat_ws(',', org_id is null, wave_id is null, id is null, octet_length(sealed)) as shape
        from sealed_responses where org_id = ${org.id} and xmin::text::bigint > ${before}`.execute(t.app.db);
      expect([p.length, s.length], name).toEqual([1, 1]);
      shapes[name] = { participation: p[0]!.shape, sealed: s[0]!.shape };
    }
    const first = Object.values(shapes)[0]!;
    for (const [name, shape] of Object.entries(shapes)) expect(shape, name).toEqual(first);
    expect(first.participation).toBe('f,f,32,32');
    // What the data files hold: one tuple length per table, whichever channel wrote it.
    for (const table of ['participation', 'sealed_responses']) {
      const stored = await storedLengths(t.app.db, table, since);
      expect(stored.rows, table).toBe(Object.keys(channels).length);
      expect(stored.distinct, table).toHaveLength(1);
    }
  });
});
