import path from 'node:path';
import { sql } from 'kysely';
import type { ParsedMail } from 'mailparser';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScheduledWork } from '../../src/delivery/scheduler.ts';
import { smtpSender } from '../../src/delivery/transport.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { browserAvailable, launchChromium, seriousViolations } from '../helpers/browser.ts';
import { bearer, buildOrganization, tokenFor, type TestOrg } from '../helpers/factories.ts';
import { ROOT } from '../helpers/process.ts';
import { declareDimensions } from '../helpers/roster.ts';
import { recipient, startMailSink } from '../helpers/smtp.ts';
import { createSurvey } from '../helpers/surveys.ts';

// Issue 14: mail and pages in the reader's language, from the reader's employer, on a phone.
const SCREENSHOTS = path.join(ROOT, 'docs/screenshots');
const PHONE = { width: 390, height: 844 };

let t: TestApp;
let sink: Awaited<ReturnType<typeof startMailSink>>;
let sender: ReturnType<typeof smtpSender>;
let org: TestOrg;
let base: string;
let browser: Browser | undefined;
let owner: string;
let surveyId: string;

/** Roster language of each addressee; `d@` has none, so the organization's default (pl) applies. */
const READERS = [
  { email: 'a@acme.example', language: 'ko' },
  { email: 'b@acme.example', language: 'pl' },
  { email: 'c@acme.example', language: 'en' },
  { email: 'd@acme.example', language: undefined },
  { email: 'e@acme.example', language: 'ko-KR' },
  { email: 'f@acme.example', language: 'de' },
];

/** The latest mail to `email` (a reminder re-issues the link, so the older one stops working). */
const mailTo = (email: string): ParsedMail => sink.messages.findLast((m) => recipient(m) === email)!;
const fullLinkIn = (mail: ParsedMail) =>
  /https?:\/\/\S+\/s\/qi_[A-Za-z0-9_-]+\?lang=[a-z]{2}/.exec(mail.text ?? '')?.[0] ?? '';
const responsesStored = async () =>
  (
    await sql<{
      n: number;
    }>`select (select count(*) from participation where org_id = ${org.id}) + (select count(*) from sealed_responses where org_id = ${org.id}) as n`.execute(
      t.app.db,
    )
  ).rows[0]!.n;

beforeAll(async () => {
  sink = await startMailSink();
  t = await buildTestApp({ config: { smtpUrl: sink.url, cookieSecure: false } });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
  (t.app.config as { publicUrl: string }).publicUrl = base;
  sender = smtpSender(sink.url, 'Quorum <quorum@quorum.test>');
  org = await buildOrganization(t.app);
  owner = await tokenFor(t.app, org, 'owner');
  const patched = await t.app.inject({
    method: 'PATCH',
    url: '/v1/organization',
    headers: bearer(owner),
    payload: { name: 'Acme', defaultLanguage: 'pl' },
  });
  expect(patched.json()).toMatchObject({ name: 'Acme', defaultLanguage: 'pl' });
  await declareDimensions(t.app, owner, [
    { key: 'department', reportable: true },
    { key: 'language', reportable: false },
  ]);
  const imported = await t.app.inject({
    method: 'POST',
    url: '/v1/roster/import',
    headers: bearer(owner),
    payload: READERS.map((r, i) => ({
      externalId: `E${i}`,
      email: r.email,
      attributes: { department: 'Support', ...(r.language ? { language: r.language } : {}) },
    })),
  });
  expect(imported.statusCode).toBe(200);
  surveyId = (await createSurvey(t.app, owner, { template: 'pulse', delivery: 'email' })).id;
  expect(
    (await t.app.inject({ method: 'POST', url: `/v1/surveys/${surveyId}/waves`, headers: bearer(owner) })).statusCode,
  ).toBe(201);
  await runScheduledWork({ db: t.app.db, keys: t.app.keys, publicUrl: base, send: sender.send, log: t.app.log });
  if (browserAvailable) browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  sender.close();
  await t?.close();
  await sink?.stop();
});

describe('mail in its recipient’s language, from their employer', () => {
  it('when a wave is mailed, then each mail is in its reader’s roster language, else the organization’s default, else the survey’s', () => {
    expect(sink.messages.map(recipient).sort()).toEqual(READERS.map((r) => r.email).sort());
    const expected: Record<string, { subject: string; lang: string }> = {
      'a@acme.example': { subject: '익명 설문: 주간 펄스', lang: 'ko' },
      'b@acme.example': { subject: 'Twój głos, anonimowo: Cotygodniowy puls', lang: 'pl' },
      'c@acme.example': { subject: 'Your voice, anonymously: Weekly pulse', lang: 'en' },
      'd@acme.example': { subject: 'Twój głos, anonimowo: Cotygodniowy puls', lang: 'pl' },
      'e@acme.example': { subject: '익명 설문: 주간 펄스', lang: 'ko' },
      // Not offered in German: the survey's default language.
      'f@acme.example': { subject: 'Your voice, anonymously: Weekly pulse', lang: 'en' },
    };
    for (const [email, { subject, lang }] of Object.entries(expected)) {
      const mail = mailTo(email);
      expect(mail.subject, email).toBe(subject);
      expect(fullLinkIn(mail), email).toMatch(new RegExp(`\\?lang=${lang}$`));
      expect(mail.html, email).toContain(`lang="${lang}"`);
      // One language per mail, not three.
      const others = { en: 'Weekly pulse', ko: '주간 펄스', pl: 'Cotygodniowy puls' };
      for (const [l, title] of Object.entries(others)) if (l !== lang) expect(mail.text, email).not.toContain(title);
    }
  });

  it('when a mail arrives, then its sender names the organization over the service’s address', () => {
    expect(mailTo('c@acme.example').from?.value[0]).toEqual({ name: 'Acme via Quorum', address: 'quorum@quorum.test' });
    expect(mailTo('b@acme.example').from?.value[0]).toEqual({
      name: 'Acme przez Quorum',
      address: 'quorum@quorum.test',
    });
    expect(mailTo('a@acme.example').from?.value[0]?.name).toBe('Acme (Quorum)');
  });

  it('when Polish mail states k, then the count is declined ("co najmniej 5 osób")', () => {
    expect(mailTo('b@acme.example').text).toContain('grupy liczące co najmniej 5 osób.');
    expect(mailTo('c@acme.example').text).toContain('groups of at least 5 people.');
    expect(mailTo('a@acme.example').text).toContain('5명 이상인 그룹');
  });

  it('when reminders go out, then each is in its reader’s language too, with a link that opens the page in it', async () => {
    const before = sink.messages.length;
    const reminded = await t.app.inject({
      method: 'POST',
      url: `/v1/surveys/${surveyId}/reminders`,
      headers: bearer(owner),
    });
    expect(reminded.statusCode).toBe(202);
    await runScheduledWork({ db: t.app.db, keys: t.app.keys, publicUrl: base, send: sender.send, log: t.app.log });
    const reminders = sink.messages.slice(before);
    expect(reminders).toHaveLength(READERS.length);
    expect(mailTo('a@acme.example').subject).toBe('다시 알림: 주간 펄스');
    expect(mailTo('d@acme.example').subject).toBe('Przypomnienie: Cotygodniowy puls');
    expect(mailTo('c@acme.example').subject).toBe('Reminder: Weekly pulse');
    expect(fullLinkIn(mailTo('e@acme.example'))).toMatch(/\?lang=ko$/);
    expect(mailTo('b@acme.example').from?.value[0]?.name).toBe('Acme przez Quorum');
  });

  it('when language is declared reportable, then the roster refuses it (it would single out the few who read one)', async () => {
    const owner = await tokenFor(t.app, org, 'owner');
    const response = await t.app.inject({
      method: 'PUT',
      url: '/v1/roster/dimensions',
      headers: bearer(owner),
      payload: [{ key: 'language', reportable: true }],
    });
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('cannot be reportable');
  });
});

/** axe-core through the DevTools protocol (the page's CSP forbids injected scripts, rightly). */

/** The first question, whole, lies inside the first screen. */
async function firstQuestionAboveTheFold(page: Page) {
  const box = await page.locator('.question').first().boundingBox();
  expect(box).not.toBeNull();
  expect(box!.y).toBeGreaterThan(0);
  expect(box!.y + box!.height).toBeLessThanOrEqual(PHONE.height);
}

describe.runIf(browserAvailable)('on a phone, in Chromium', () => {
  for (const [email, lang, h1, header] of [
    ['a@acme.example', 'ko', '주간 펄스', 'Acme — 펄스 설문'],
    ['b@acme.example', 'pl', 'Cotygodniowy puls', 'Acme — ankieta pulsowa'],
    ['c@acme.example', 'en', 'Weekly pulse', 'Acme — pulse survey'],
  ] as const) {
    it(`when the ${lang} reader opens the link from their mail, then the survey is in ${lang}, names Acme, and the first question is on the first screen`, async () => {
      // A browser asking for another language: the mail's language wins.
      const context = await browser!.newContext({ locale: lang === 'en' ? 'pl-PL' : 'en-US', viewport: PHONE });
      const page = await context.newPage();
      await page.goto(fullLinkIn(mailTo(email)));
      expect(page.url()).toBe(`${base}/survey?lang=${lang}`);
      expect(await page.locator('html').getAttribute('lang')).toBe(lang);
      expect(await page.locator('h1').textContent()).toBe(h1);
      expect(await page.locator('header .brand').textContent()).toBe(header);
      expect(await page.title()).toContain('Acme');
      await firstQuestionAboveTheFold(page);
      // The protection is one line until opened; all of it is one tap away.
      expect(await page.locator('.promise li').first().isVisible()).toBe(false);
      await page.locator('.promise summary').click();
      expect(await page.locator('.promise li').first().isVisible()).toBe(true);
      await page.locator('.promise summary').click();
      expect(await seriousViolations(page)).toEqual([]);
      // Korean breaks between words (eojeol), not inside one.
      expect(
        await page
          .locator('h1')
          .evaluate(
            (h1) =>
              (globalThis as unknown as { getComputedStyle: (e: unknown) => { wordBreak: string } }).getComputedStyle(
                h1,
              ).wordBreak,
          ),
      ).toBe(lang === 'ko' ? 'keep-all' : 'normal');
      await page.screenshot({ path: path.join(SCREENSHOTS, `phone-first-screen-${lang}.png`) });
      await context.close();
    });
  }

  it('when answers are chosen in English and the language is switched to Korean, then Polish, without JavaScript, then every answer is still chosen and nothing was stored', async () => {
    const context = await browser!.newContext({ locale: 'en-US', viewport: PHONE, javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(fullLinkIn(mailTo('f@acme.example')));
    expect(await page.locator('h1').textContent()).toBe('Weekly pulse');
    const chosen = { week: 4, workload: 1, support: 2 };
    for (const [id, i] of Object.entries(chosen)) await page.locator(`#q_${id}-${i}`).check();
    await page.locator('#q_share').fill('Więcej przerw, 더 많은 휴식 & "less" <noise>');
    const expectKept = async () => {
      for (const [id, i] of Object.entries(chosen))
        expect(await page.locator(`#q_${id}-${i}`).isChecked(), id).toBe(true);
      expect(await page.locator('#q_recognition-0').isChecked()).toBe(false);
      expect(await page.locator('#q_share').inputValue()).toBe('Więcej przerw, 더 많은 휴식 & "less" <noise>');
    };

    await page.getByRole('button', { name: '한국어' }).click();
    expect(await page.locator('html').getAttribute('lang')).toBe('ko');
    expect(await page.locator('h1').textContent()).toBe('주간 펄스');
    await expectKept();
    // No error summary: switching is not sending.
    expect(await page.locator('.summary').count()).toBe(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'language-switch-kept-answers-ko.png'), fullPage: true });

    await page.getByRole('button', { name: 'Polski' }).click();
    expect(await page.locator('html').getAttribute('lang')).toBe('pl');
    expect(await page.locator('h1').textContent()).toBe('Cotygodniowy puls');
    await expectKept();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'language-switch-kept-answers-pl.png'), fullPage: true });
    expect(await responsesStored()).toBe(0);

    // Enter on an answer sends the form, as on any form, not a language button.
    await page.locator('#q_recognition-3').check();
    await page.keyboard.press('Enter');
    // (The thank-you page also names the survey, for its link to the protection page: P10.)
    await page.waitForURL((url) => url.pathname === '/thanks');
    expect(new URL(page.url()).searchParams.get('lang')).toBe('pl');
    expect(await responsesStored()).toBeGreaterThan(0);
    await context.close();
  });
});
