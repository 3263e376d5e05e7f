import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { bearer, buildOrganization, login, PASSWORD, type TestOrg } from '../helpers/factories.ts';
import { linkIn, startMailSink } from '../helpers/smtp.ts';
import { browserAvailable, launchChromium, seriousViolations } from '../helpers/browser.ts';
import { answersFor, startSession, submit, tokenOfLink } from '../helpers/surveys.ts';
import { ROOT } from '../helpers/process.ts';
import { rosterCsv } from '../fixtures/roster.ts';
import { runScheduledWork } from '../../src/delivery/scheduler.ts';
import { smtpSender } from '../../src/delivery/transport.ts';

/**
 * Issue 15's walk, as an HR person does it in a browser, with no terminal: sign in, declare the
 * dimensions, upload the roster CSV, create a pulse from a template, open a wave by e-mail,
 * (employees answer from their mails), close, read the results and the heatmap with its hidden
 * cells, download a CSV, read the comment inbox. Every number the pages show is the API's.
 */
const SCREENSHOTS = path.join(ROOT, 'docs/screenshots');

let t: TestApp;
let sink: Awaited<ReturnType<typeof startMailSink>>;
let sender: ReturnType<typeof smtpSender>;
let org: TestOrg;
let base: string;
let browser: Browser;

beforeAll(async () => {
  if (!browserAvailable) return;
  sink = await startMailSink();
  t = await buildTestApp({ config: { smtpUrl: sink.url, cookieSecure: false, releaseBatchSize: 500 } });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
  (t.app.config as { publicUrl: string }).publicUrl = base;
  sender = smtpSender(sink.url, 'Quorum <quorum@quorum.test>');
  org = await buildOrganization(t.app);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  sender?.close();
  await t?.close();
  await sink?.stop();
});

async function axe(page: Page, where: string) {
  expect(await seriousViolations(page), where).toEqual([]);
}

/** The first number in a text, as the page prints it (digits with separators). */
const numberIn = (text: string) => Number(/\d[\d,.\s]*/.exec(text)?.[0]?.replace(/[,\s]/g, ''));

describe.skipIf(!browserAvailable)('an HR person runs a whole pulse in the browser (issue 15)', () => {
  it('signs in, uploads the roster, creates and opens a pulse by e-mail, closes it and reads its results', async () => {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      locale: 'en-GB',
      acceptDownloads: true,
    });
    const page = await context.newPage();

    // Sign in.
    await page.goto(`${base}/hr`);
    expect(new URL(page.url()).pathname).toBe('/hr/login');
    await page.locator('input[name="organization"]').fill(org.slug);
    await page.locator('input[name="email"]').fill(org.ownerEmail);
    await page.locator('input[name="password"]').fill(PASSWORD);
    await page.locator('main form button[type="submit"]').click();
    expect(new URL(page.url()).pathname).toBe('/hr/surveys');

    // Dimensions, then the roster CSV.
    await page.goto(`${base}/hr/roster/dimensions`);
    // The roster's columns, in order of importance; two of them reportable.
    const columns = ['department', 'location', 'team', 'tenure_band', 'level', 'role_type'];
    for (const [i, key] of columns.entries()) {
      if (i > 0 && (await page.locator(`#f-key_${i}`).count()) === 0) {
        await page.locator('form[action="/hr/roster/dimensions"] button[type="submit"]').click();
        await page.goto(`${base}/hr/roster/dimensions`);
      }
      await page.locator(`#f-key_${i}`).fill(key);
      await page.locator(`#f-label_${i}`).fill(key.replace('_', ' '));
      if (i < 2) await page.locator(`#f-reportable_${i}`).check();
    }
    await page.locator('form[action="/hr/roster/dimensions"] button[type="submit"]').click();
    await page.goto(`${base}/hr/roster`);
    await page.locator('#f-file').setInputFiles({
      name: 'roster.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(rosterCsv(120, 15)),
    });
    await page.locator('form[action="/hr/roster/import"] button[type="submit"]').click();
    await expect.poll(() => page.locator('.notice').innerText()).toMatch(/120/);
    await axe(page, 'roster');

    // A pulse from the template, delivered by e-mail.
    await page.goto(`${base}/hr/surveys/new`);
    await page.locator('input[name="template"][value="pulse"]').check();
    await page.locator('input[name="delivery"][value="email"]').check();
    await page.locator('form[action="/hr/surveys/new"] button[type="submit"]').click();
    const surveyId = /\/hr\/surveys\/([0-9a-f-]{36})/.exec(page.url())?.[1];
    expect(surveyId, page.url()).toBeDefined();
    await page.locator('form[action$="/waves"] button[type="submit"]').click();
    await expect.poll(() => page.locator('.notice').innerText()).toMatch(/\d/);

    // The scheduler mails the invitations; employees answer from their mails.
    await runScheduledWork({ db: t.app.db, keys: t.app.keys, publicUrl: base, send: sender.send, log: t.app.log });
    await expect.poll(() => sink.messages.length).toBeGreaterThan(50);
    const links = sink.messages.map(linkIn).filter(Boolean);

    // One of them in the browser, with a comment…
    const employee = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-GB' });
    const form = await employee.newPage();
    await form.goto(links[0]!);
    for (const name of await form
      .locator('input[type="radio"]')
      .evaluateAll((inputs) => [...new Set(inputs.map((i) => (i as unknown as { name: string }).name))]))
      await form.locator(`input[name="${name}"]`).nth(3).check();
    await form.locator('textarea').first().fill('The new rota gives us time to breathe.');
    await form.locator('form button[type="submit"]:not([hidden])').last().click();
    await expect.poll(() => new URL(form.url()).pathname).toBe('/thanks');
    await employee.close();
    // …the others through the API, each with a comment too.
    // A quarter never answer: where fewer than k of a group's invited did not answer, even its
    // count of respondents would be withheld (P7), and so would every cell it pins.
    for (const [i, link] of links.slice(1).entries()) {
      if (i % 4 === 3) continue;
      const session = (await startSession(t.app, tokenOfLink(link))).json();
      const answers = answersFor(session.survey.questions, i);
      const text = session.survey.questions.find((q: { type: string }) => q.type === 'text');
      if (text) answers[text.id] = `comment number ${i}`;
      expect((await submit(t.app, session.sessionToken, answers)).statusCode).toBe(201);
    }

    // Close, with the confirmation the page asks for.
    await page.goto(`${base}/hr/surveys/${surveyId}`);
    await page.locator('form[action$="/close"] input[name="confirm"]').check();
    await page.locator('form[action$="/close"] button[type="submit"]').click();
    await expect.poll(() => page.locator('.status').first().innerText()).toMatch(/closed/i);

    // The same reader's API answers, to hold the pages to.
    const token = (await login(t.app, org, org.ownerEmail)).json().token as string;
    const api = async (url: string) =>
      await t.app.inject({ method: 'GET', url: `/v1/reports/surveys/${surveyId}/${url}`, headers: bearer(token) });
    const overview = (await api('overview')).json();

    await page.goto(`${base}/hr/surveys/${surveyId}/results`);
    await axe(page, 'results');
    const shown = await page.locator('main').innerText();
    expect(typeof overview.report.respondents).toBe('number');
    expect(shown).toContain(String(overview.report.respondents));
    await page.screenshot({ path: path.join(SCREENSHOTS, 'hr-walk-results-en.png'), fullPage: true });

    // The heatmap by department: the roster's tiny departments are hidden, as text and as a pattern.
    await page.goto(`${base}/hr/surveys/${surveyId}/results/breakdown?dimension=department`);
    await axe(page, 'heatmap');
    const breakdown = (await api('breakdown?dimension=department')).json();
    // Whatever the API hides (a group, a cell, a count under the P7 rule), the page shows as hidden.
    type Group = { suppressed: boolean; respondents: number | null; questions: Record<string, { suppressed?: true }> };
    const hiddenInApi = (breakdown.groups as Group[]).reduce(
      (n, g) =>
        n +
        (g.suppressed ? 1 : 0) +
        (g.respondents === null ? 1 : 0) +
        Object.values(g.questions).filter((q) => q.suppressed).length,
      0,
    );
    expect(
      hiddenInApi,
      JSON.stringify(breakdown.groups.map((g: Group) => [g.suppressed, g.respondents])),
    ).toBeGreaterThan(0);
    expect(await page.locator('td.heat-hidden, .hidden-value').count()).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'hr-walk-heatmap-en.png'), fullPage: true });

    // A CSV download is the API's CSV, byte for byte.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('a[href*="breakdown.csv"]').first().click(),
    ]);
    const csv = readFileSync((await download.path())!, 'utf8');
    const apiCsv = (
      await t.app.inject({
        method: 'GET',
        url: `/v1/reports/surveys/${surveyId}/breakdown?dimension=department`,
        headers: { ...bearer(token), accept: 'text/csv' },
      })
    ).body;
    expect(csv).toBe(apiCsv);

    // The comment inbox holds exactly the API's comments (shuffled: compared as sets).
    const definition = (
      await t.app.inject({ method: 'GET', url: `/v1/surveys/${surveyId}`, headers: bearer(token) })
    ).json().definition as { questions: Array<{ id: string; type: string }> };
    const textQuestion = definition.questions.find((q) => q.type === 'text')!;
    await page.goto(`${base}/hr/surveys/${surveyId}/results/comments?question=${textQuestion.id}`);
    await axe(page, 'comments');
    const apiComments = (await api(`comments?question=${textQuestion.id}`)).json();
    const apiTexts = (apiComments.comments as Array<{ text: string } | string>).map((c) =>
      typeof c === 'string' ? c : c.text,
    );
    expect(apiTexts).toContain('The new rota gives us time to breathe.');
    const pageText = await page.locator('main').innerText();
    for (const text of apiTexts) expect(pageText).toContain(text);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'hr-walk-comments-en.png'), fullPage: true });
    expect(numberIn(shown)).not.toBeNaN();
    await context.close();
  }, 120_000);
});
