import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeHtml } from '../../src/pages/html.ts';
import { getSurvey, listWaves } from '../../src/surveys/service.ts';
import { findTemplate } from '../../src/surveys/templates.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { bearer, buildAccount, login, type TestOrg } from '../helpers/factories.ts';
import { getPage, postForm, signIn } from '../helpers/dashboard.ts';
import { rosteredOrganization } from '../helpers/roster.ts';
import { startMailSink } from '../helpers/smtp.ts';
import { answerByLink, startSession, tokenOfLink } from '../helpers/surveys.ts';
import { formFields } from './survey-form.ts';

const PEOPLE = 24;
let t: TestApp;
let sink: Awaited<ReturnType<typeof startMailSink>>;
let org: TestOrg;
let adminToken: string;
let admin: string;
let analyst: string;

beforeAll(async () => {
  sink = await startMailSink();
  t = await buildTestApp({ config: { smtpUrl: sink.url } });
  ({ org, admin: adminToken } = await rosteredOrganization(t.app, PEOPLE, 3));
  admin = await signIn(t.app, org.slug, (await buildAccount(t.app, org, 'admin')).email);
  analyst = await signIn(t.app, org.slug, (await buildAccount(t.app, org, 'analyst')).email);
});
afterAll(async () => {
  await t?.close();
  await sink?.stop();
});

const surveyCount = async () =>
  Number(
    (
      await t.app.db
        .selectFrom('surveys')
        .select((e) => e.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

/** Creates a draft through the dashboard's own form; returns its id. */
async function createThroughForm(fields: Record<string, string>): Promise<string> {
  const response = await postForm(t.app, admin, '/hr/surveys/new', {
    template: 'pulse',
    delivery: 'codes',
    schedule: 'none',
    reminderAfterDays: '',
    minGroupSize: '5',
    ...fields,
  });
  expect(response.statusCode, response.body).toBe(303);
  const id = /^\/hr\/surveys\/([0-9a-f-]{36})\?done=created$/.exec(response.headers.location!)?.[1];
  expect(id).toBeDefined();
  return id!;
}

/** The participation cells (respondents, invited, rate) of a survey's row on the list. */
async function listCells(id: string, reader = analyst): Promise<string[]> {
  const list = await getPage(t.app, reader, '/hr/surveys');
  const row = list.body.slice(list.body.indexOf(`href="/hr/surveys/${id}"`));
  const tr = row.slice(0, row.indexOf('</tr>'));
  return [...tr.matchAll(/<td class="num">\s*([\s\S]*?)\s*<\/td>/g)]
    .map((m) => m[1]!.replace(/<[^>]+>/g, '').trim())
    .slice(1);
}

async function apiOverview(id: string, token = adminToken) {
  const response = await t.app.inject({
    method: 'GET',
    url: `/v1/reports/surveys/${id}/overview`,
    headers: bearer(token),
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json().report as {
    suppressed: boolean;
    respondents: number | null;
    invited: number | null;
    responseRate: number | null;
  };
}

const expectedCells = (r: Awaited<ReturnType<typeof apiOverview>>) => [
  r.suppressed ? 'hidden' : r.respondents === null ? 'withheld' : String(r.respondents),
  r.invited === null ? 'withheld' : String(r.invited),
  r.responseRate === null ? 'withheld' : `${Math.round(r.responseRate * 100)}%`,
];

describe('dashboard: creating a survey', () => {
  it('when an admin creates a survey from a template, then a draft with its questions, schedule, reminder and k exists', async () => {
    const form = await getPage(t.app, admin, '/hr/surveys/new');
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('value="pulse"');
    expect(form.headers['content-security-policy']).toContain("style-src 'self'");
    expect(form.body).toContain('Weaker: HR receives every personal link');
    const id = await createThroughForm({
      delivery: 'email',
      schedule: 'weekly',
      reminderAfterDays: '3',
      minGroupSize: '6',
    });
    const survey = await getSurvey(t.app.db, org.id, id);
    expect(survey.status).toBe('draft');
    expect(survey.definition).toEqual(findTemplate('pulse')!.definition);
    expect([survey.schedule, survey.reminder_after_days, survey.min_group_size, survey.delivery]).toEqual([
      'weekly',
      3,
      6,
      'email',
    ]);
    const page = await getPage(t.app, admin, `/hr/surveys/${id}?done=created`);
    expect(page.body).toContain('The draft was created.');
    expect(page.body).toContain('Weekly pulse');
  });

  it("when k is below the organization's or the template unknown, then the form comes back with the error beside the field and nothing is created", async () => {
    const before = await surveyCount();
    const low = await postForm(t.app, admin, '/hr/surveys/new', {
      template: 'pulse',
      delivery: 'codes',
      schedule: 'none',
      minGroupSize: '2',
    });
    expect(low.statusCode).toBe(400);
    expect(low.body).toMatch(/id="f-minGroupSize-error">A whole number from 5 to 1000/);
    expect(low.body).toContain('aria-describedby="f-minGroupSize-hint f-minGroupSize-error"');
    const unknown = await postForm(t.app, admin, '/hr/surveys/new', {
      template: 'nope',
      delivery: 'codes',
      schedule: 'none',
      minGroupSize: '5',
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.body).toContain('id="f-template-error"');
    const bad = await postForm(t.app, admin, '/hr/surveys/new', {
      template: 'pulse',
      delivery: 'carrier-pigeon',
      schedule: 'hourly',
    });
    expect(bad.statusCode).toBe(400);
    expect(await surveyCount()).toBe(before);
  });

  it('when a reader previews a template in ko, pl and en, then every question shows in that language, read-only', async () => {
    const template = findTemplate('engagement')!;
    for (const lang of ['ko', 'pl', 'en'] as const) {
      const page = await getPage(t.app, analyst, `/hr/templates/preview?template=engagement&lang=${lang}`);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain(`<section class="preview" lang="${lang}"`);
      expect(page.body).toContain('<fieldset disabled class="preview-questions">');
      for (const q of template.definition.questions) expect(page.body).toContain(escapeHtml(q.text[lang]!));
      const preview = page.body.slice(page.body.indexOf('class="preview"'));
      expect(preview).not.toContain('<form');
    }
    expect((await getPage(t.app, analyst, '/hr/templates/preview?template=nope')).statusCode).toBe(400);
  });
});

describe('dashboard: editing a draft', () => {
  it('when an admin adds, moves and removes questions, then only Save changes the draft, in that order', async () => {
    const id = await createThroughForm({});
    const original = (await getSurvey(t.app.db, org.id, id)).definition.questions.map((q) => q.id);
    const action = `/hr/surveys/${id}/edit`;
    let page = await getPage(t.app, admin, action);
    expect(page.statusCode).toBe(200);

    page = await postForm(t.app, admin, action, { ...formFields(page.body, action), action: 'add' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Not saved yet');
    const n = original.length;
    expect(page.body).toContain(`name="q.${n}.id"`);
    expect((await getSurvey(t.app.db, org.id, id)).definition.questions).toHaveLength(n);

    const fields = {
      ...formFields(page.body, action),
      [`q.${n}.text.en`]: 'Do you have what you need?',
      [`q.${n}.text.ko`]: '필요한 것이 있나요?',
    };
    page = await postForm(t.app, admin, action, { ...fields, action: 'up:1' });
    expect(page.statusCode).toBe(200);
    const saved = await postForm(t.app, admin, action, { ...formFields(page.body, action), action: 'save' });
    expect(saved.statusCode, saved.body).toBe(303);
    expect(saved.headers.location).toBe(`/hr/surveys/${id}?done=saved`);
    let questions = (await getSurvey(t.app.db, org.id, id)).definition.questions;
    const added = questions.at(-1)!;
    expect(questions.map((q) => q.id)).toEqual([original[1], original[0], ...original.slice(2), added.id]);
    expect(added.text).toEqual({ en: 'Do you have what you need?', ko: '필요한 것이 있나요?' });

    page = await getPage(t.app, admin, action);
    page = await postForm(t.app, admin, action, { ...formFields(page.body, action), action: 'remove:0' });
    await postForm(t.app, admin, action, { ...formFields(page.body, action), action: 'save' });
    questions = (await getSurvey(t.app.db, org.id, id)).definition.questions;
    expect(questions.map((q) => q.id)).toEqual([original[0], ...original.slice(2), added.id]);
  });

  it('when a saved value is bad, then the error shows beside its field and the draft is unchanged', async () => {
    const id = await createThroughForm({});
    const before = await getSurvey(t.app.db, org.id, id);
    const action = `/hr/surveys/${id}/edit`;
    const fields = formFields((await getPage(t.app, admin, action)).body, action);
    const emptied = await postForm(t.app, admin, action, {
      ...fields,
      'q.0.text.en': '  ',
      minGroupSize: '2',
      action: 'save',
    });
    expect(emptied.statusCode).toBe(400);
    expect(emptied.body).toContain('id="f-q-0-text-en-error"');
    expect(emptied.body).toContain('aria-describedby="f-q-0-text-en-error"');
    expect(emptied.body).toMatch(/id="f-minGroupSize-error">A whole number from 5 to 1000/);
    const choice = await postForm(t.app, admin, action, { ...fields, 'q.0.type': 'single_choice', action: 'save' });
    expect(choice.statusCode).toBe(400);
    expect(choice.body).toContain('id="f-q-0-options-en-error"');
    const audience = await postForm(t.app, admin, action, {
      ...fields,
      'audience.department': 'Support, Sales',
      schedule: 'monthly',
      action: 'save',
    });
    expect((await getSurvey(t.app.db, org.id, id)).definition).toEqual(before.definition);
    expect(audience.statusCode).toBe(303);
    const after = await getSurvey(t.app.db, org.id, id);
    expect(after.audience).toEqual({ filter: { department: ['Support', 'Sales'] } });
    expect(after.schedule).toBe('monthly');
  });
});

describe('dashboard: running a survey', () => {
  it('when a download wave opens, then its named links come once as a no-store CSV attachment and work as tokens', async () => {
    const id = await createThroughForm({ delivery: 'download' });
    const detail = await getPage(t.app, admin, `/hr/surveys/${id}`);
    expect(detail.body).toContain('The answer is a CSV file of named personal links');
    const opened = await postForm(t.app, admin, `/hr/surveys/${id}/waves`, { wave: '1' });
    expect(opened.statusCode).toBe(200);
    expect(opened.headers['content-type']).toMatch(/^text\/csv/);
    expect(opened.headers['content-disposition']).toBe('attachment; filename="wave-1-invitations.csv"');
    expect(opened.headers['cache-control']).toBe('no-store');
    expect(opened.headers.location).toBeUndefined();
    const rows = opened.body.trim().split(/\r?\n/);
    expect(rows[0]).toBe('external_id,email,name,link,code');
    expect(rows).toHaveLength(PEOPLE + 1);
    const link = /https:\/\/quorum\.test\/s\/\S+?(?=,)/.exec(rows[1]!)![0];
    expect((await startSession(t.app, tokenOfLink(link))).statusCode).toBe(200);
    // Nothing of the links is kept for a later page.
    expect((await getPage(t.app, admin, `/hr/surveys/${id}`)).body).not.toContain(tokenOfLink(link));
    // The same press again (a double click, a reload) opens no second wave and mints no links.
    const again = await postForm(t.app, admin, `/hr/surveys/${id}/waves`, { wave: '1' });
    expect(again.statusCode).toBe(409);
    expect(again.headers['content-type']).toMatch(/^text\/html/);
    expect(again.body).toContain('already opened');
    expect(await listWaves(t.app.db, org.id, id)).toHaveLength(1);
  });

  it('when an e-mail wave opens, then the notice says it is mailed and counts who got no link, without any token in the URL', async () => {
    const id = await createThroughForm({ delivery: 'email' });
    const opened = await postForm(t.app, admin, `/hr/surveys/${id}/waves`, { wave: '1' });
    expect(opened.statusCode).toBe(303);
    const without = await t.app.db
      .selectFrom('participants')
      .select((e) => e.fn.countAll().as('n'))
      .where('org_id', '=', org.id)
      .where('email', 'is', null)
      .executeTakeFirstOrThrow();
    expect(opened.headers.location).toBe(`/hr/surveys/${id}?done=opened&wave=1&mode=email&without=${without.n}`);
    const page = await getPage(t.app, admin, opened.headers.location!);
    expect(page.body).toContain('Wave 1 is open.');
    expect(page.body).toContain('Invitations are mailed by the service');
    if (Number(without.n) > 0) expect(page.body).toContain(`${without.n} people of the audience got no personal link`);

    // Counts follow each language's plural rules (Polish: 22 osoby, 25 osób).
    const pl = (n: number) =>
      getPage(t.app, admin, `/hr/surveys/${id}?done=opened&wave=1&mode=codes&without=${n}`, {
        'accept-language': 'pl',
      });
    expect((await pl(22)).body).toContain('22 osoby z grupy docelowej nie dostały');
    expect((await pl(25)).body).toContain('25 osób z grupy docelowej nie dostało');
    expect((await pl(1)).body).toContain('1 osoba z grupy docelowej nie dostała');

    const reminded = await postForm(t.app, admin, `/hr/surveys/${id}/reminders`, {});
    expect(reminded.statusCode).toBe(303);
    expect(reminded.headers.location).toBe(`/hr/surveys/${id}?done=reminded`);
    expect((await getPage(t.app, admin, reminded.headers.location!)).body).toContain('Reminders are queued');
    const wave = await t.app.db
      .selectFrom('waves')
      .select('reminded_on')
      .where('survey_id', '=', id)
      .executeTakeFirstOrThrow();
    expect(wave.reminded_on).not.toBeNull();
  });

  it('when an admin asks for kiosk codes, then the printable sheet is the answer with its own CSP, and a pool larger than its segment is refused beside the count', async () => {
    const id = await createThroughForm({ delivery: 'codes' });
    const opened = await postForm(t.app, admin, `/hr/surveys/${id}/waves`, { wave: '1' });
    expect(opened.headers.location).toContain('mode=codes');
    const sheet = await postForm(t.app, admin, `/hr/surveys/${id}/code-sheet`, {
      count: '3',
      segmentDimension: '',
      segmentValue: '',
    });
    expect(sheet.statusCode).toBe(200);
    expect(sheet.headers['content-security-policy']).toMatch(
      /^default-src 'none'; style-src 'sha256-[^']+'; frame-ancestors 'none'$/,
    );
    expect(sheet.headers['cache-control']).toBe('no-store');
    expect(sheet.body.match(/class="card"/g)).toHaveLength(3);
    const pooled = async () =>
      Number(
        (
          await t.app.db
            .selectFrom('invitations')
            .innerJoin('waves', 'waves.id', 'invitations.wave_id')
            .select((e) => e.fn.countAll().as('n'))
            .where('waves.survey_id', '=', id)
            .executeTakeFirstOrThrow()
        ).n,
      );
    expect(await pooled()).toBe(3);

    const tooMany = await postForm(t.app, admin, `/hr/surveys/${id}/code-sheet`, {
      count: '1000',
      segmentDimension: '',
      segmentValue: '',
    });
    expect(tooMany.statusCode).toBe(409);
    expect(tooMany.body).toContain(`id="f-count-error">Too many codes: at most ${PEOPLE - 3} can still be issued`);
    const badCount = await postForm(t.app, admin, `/hr/surveys/${id}/code-sheet`, { count: 'many' });
    expect(badCount.statusCode).toBe(400);
    expect(await pooled()).toBe(3);
  });

  it('when an admin closes without ticking the confirmation, then nothing closes; with it, the survey is closed', async () => {
    const id = await createThroughForm({ delivery: 'codes' });
    await postForm(t.app, admin, `/hr/surveys/${id}/waves`, { wave: '1' });
    const unconfirmed = await postForm(t.app, admin, `/hr/surveys/${id}/close`, {});
    expect(unconfirmed.statusCode).toBe(400);
    expect(unconfirmed.body).toContain('id="f-confirm-error">Tick the box to confirm.');
    expect((await getSurvey(t.app.db, org.id, id)).status).toBe('open');
    const closed = await postForm(t.app, admin, `/hr/surveys/${id}/close`, { confirm: 'yes' });
    expect(closed.statusCode).toBe(303);
    expect(closed.headers.location).toBe(`/hr/surveys/${id}?done=closed`);
    expect((await getSurvey(t.app.db, org.id, id)).status).toBe('closed');
    expect((await listWaves(t.app.db, org.id, id))[0]!.status).toBe('closed');
  });

  it('when an analyst opens a survey, then they see it without any action, and every action answers 403 and changes nothing', async () => {
    const id = await createThroughForm({ delivery: 'codes' });
    await postForm(t.app, admin, `/hr/surveys/${id}/waves`, { wave: '1' });
    const page = await getPage(t.app, analyst, `/hr/surveys/${id}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('only admins can change it');
    expect(page.body).not.toContain(`action="/hr/surveys/${id}/`);
    expect((await getPage(t.app, analyst, '/hr/surveys')).body).not.toContain('href="/hr/surveys/new"');
    expect((await getPage(t.app, admin, '/hr/surveys')).body).toContain('href="/hr/surveys/new"');
    for (const [path, fields] of [
      ['close', { confirm: 'yes' }],
      ['waves', {}],
      ['reminders', {}],
      ['code-sheet', { count: '1' }],
      ['edit', { minGroupSize: '9' }],
    ] as const)
      expect((await postForm(t.app, analyst, `/hr/surveys/${id}/${path}`, fields)).statusCode, path).toBe(403);
    const survey = await getSurvey(t.app.db, org.id, id);
    expect([survey.status, survey.min_group_size]).toEqual(['open', 5]);
    expect(await listWaves(t.app.db, org.id, id)).toHaveLength(1);
    expect((await getPage(t.app, analyst, '/hr/surveys/new')).statusCode).toBe(403);
  });

  it('when a survey has opened, then its edit page raises k only', async () => {
    const id = await createThroughForm({ delivery: 'codes' });
    await postForm(t.app, admin, `/hr/surveys/${id}/waves`, { wave: '1' });
    const page = await getPage(t.app, admin, `/hr/surveys/${id}/edit`);
    expect(page.body).toContain('Only k can be raised');
    expect(page.body).not.toContain('name="q.0.id"');
    const lower = await postForm(t.app, admin, `/hr/surveys/${id}/edit`, { minGroupSize: '4' });
    expect(lower.statusCode).toBe(400);
    const raised = await postForm(t.app, admin, `/hr/surveys/${id}/edit`, {
      minGroupSize: '7',
      'q.0.id': 'x',
      'q.0.type': 'text',
    });
    expect(raised.statusCode).toBe(303);
    const survey = await getSurvey(t.app.db, org.id, id);
    expect(survey.min_group_size).toBe(7);
    expect(survey.definition).toEqual(findTemplate('pulse')!.definition);
  });
});

describe('dashboard: participation on the list (P2, P3)', () => {
  it('P2/P3: the list shows for an open and then a closed wave exactly what the API overview publishes, and no number it withholds', async () => {
    const id = await createThroughForm({ delivery: 'download' });
    const csv = (await postForm(t.app, admin, `/hr/surveys/${id}/waves`, { wave: '1' })).body;
    const links = [...csv.matchAll(/https:\/\/quorum\.test\/s\/[^,\s]+/g)].map((m) => m[0]);
    expect(await listCells(id)).toEqual(expectedCells(await apiOverview(id)));
    for (const [i, link] of links.slice(0, 8).entries())
      expect((await answerByLink(t.app, link, i)).statusCode).toBe(201);
    const open = await apiOverview(id);
    const openCells = await listCells(id);
    expect(openCells).toEqual(expectedCells(open));
    // An open wave publishes its total only: no invited count or rate to watch move.
    expect(openCells.slice(1)).toEqual(['withheld', 'withheld']);

    const small = await createThroughForm({ delivery: 'download' });
    const smallLinks = [
      ...(await postForm(t.app, admin, `/hr/surveys/${small}/waves`, { wave: '1' })).body.matchAll(
        /https:\/\/quorum\.test\/s\/[^,\s]+/g,
      ),
    ];
    for (const [i, m] of smallLinks.slice(0, 2).entries()) await answerByLink(t.app, m[0], i);
    await postForm(t.app, admin, `/hr/surveys/${small}/close`, { confirm: 'yes' });
    const tiny = await apiOverview(small);
    expect(tiny.suppressed).toBe(true);
    const tinyCells = await listCells(small);
    expect(tinyCells).toEqual(expectedCells(tiny));
    expect(tinyCells.join(' ')).not.toMatch(/\d/);
    expect(tinyCells[0]).toBe('hidden');

    await postForm(t.app, admin, `/hr/surveys/${id}/close`, { confirm: 'yes' });
    const closed = await apiOverview(id);
    expect(await listCells(id)).toEqual(expectedCells(closed));
    expect(closed.respondents).toBe(8);
    const detail = await getPage(t.app, analyst, `/hr/surveys/${id}`);
    expect(detail.body).toContain(`<td class="num">${closed.respondents}</td>`);
  });

  it('P2/P3: a scoped analyst sees on the list what the API overview gives them: their segment only', async () => {
    const id = await createThroughForm({ delivery: 'download' });
    const csv = (await postForm(t.app, admin, `/hr/surveys/${id}/waves`, { wave: '1' })).body;
    for (const [i, m] of [...csv.matchAll(/https:\/\/quorum\.test\/s\/[^,\s]+/g)].entries())
      await answerByLink(t.app, m[0], i);
    await postForm(t.app, admin, `/hr/surveys/${id}/close`, { confirm: 'yes' });
    const scope = { dimension: 'department', value: 'Customer Support' };
    const account = await t.app.db
      .insertInto('hr_accounts')
      .values({
        org_id: org.id,
        email: `scoped@${org.slug}.example`,
        role: 'analyst',
        password_hash: (
          await t.app.db
            .selectFrom('hr_accounts')
            .select('password_hash')
            .where('org_id', '=', org.id)
            .executeTakeFirstOrThrow()
        ).password_hash,
        scope: JSON.stringify(scope),
      })
      .returning('email')
      .executeTakeFirstOrThrow();
    const scoped = await signIn(t.app, org.slug, account.email);
    const token = (await login(t.app, org, account.email)).json().token as string;
    const own = await apiOverview(id, token);
    const whole = await apiOverview(id);
    expect(await listCells(id, scoped)).toEqual(expectedCells(own));
    expect(await listCells(id)).toEqual(expectedCells(whole));
    expect(own).not.toEqual(whole);
  });
});
