import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import type { TestOrg } from '../helpers/factories.ts';
import { addRosterPeople, rosteredOrganization } from '../helpers/roster.ts';
import { createSurvey, openWave } from '../helpers/surveys.ts';
import { ROOT } from '../helpers/process.ts';
import { browserAvailable as available, launchChromium, seriousViolations } from '../helpers/browser.ts';
import { dammDigit } from '../../src/invitations/codes.ts';

const SCREENSHOTS = path.join(ROOT, 'docs/screenshots');

let t: TestApp;
let org: TestOrg;
let base: string;
let browser: Browser;
let invitations: Array<{ link: string; code: string }>;
let adminToken: string;
let surveyId: string;

beforeAll(async () => {
  if (!available) return;
  t = await buildTestApp({ config: { cookieSecure: false } });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
  let admin: string;
  ({ org, admin } = await rosteredOrganization(t.app, 30));
  adminToken = admin;
  const survey = await createSurvey(t.app, admin, { template: 'pulse' });
  surveyId = survey.id;
  invitations = (await openWave(t.app, admin, survey.id)).invitations.map((i) => ({
    link: i.link.replace('https://quorum.test', base),
    code: i.code,
  }));
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

/** axe-core through the DevTools protocol (the page's CSP forbids injected scripts, rightly). */

const participation = async () =>
  (
    await t.app.db
      .selectFrom('participation')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('org_id', '=', org.id)
      .executeTakeFirstOrThrow()
  ).n;

describe.runIf(available)('the survey in a real browser (Chromium)', () => {
  it('when an employee opens the link, answers in Korean after a validation error and a comment warning, then it is counted and the token has left the URL', async () => {
    const context = await browser.newContext({ locale: 'ko-KR', viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await page.goto(invitations[0]!.link);
    expect(page.url()).toBe(`${base}/survey`);
    expect(page.url()).not.toContain('qi_');
    expect(await page.locator('h1').textContent()).toBe('주간 펄스');
    await expect.poll(() => page.locator('.promise li').count()).toBe(4);
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'survey-ko.png'), fullPage: true });

    // Validation round-trip: answer one question, send; the error sits by the field and the answer stays.
    await page.locator('#q_week-3').check();
    await page.getByRole('button', { name: '응답 제출' }).click();
    expect(await page.locator('.summary').isVisible()).toBe(true);
    expect(await page.locator('#q_workload-error').textContent()).toBe('이 질문에 답해 주세요.');
    expect(await page.locator('#q_week-3').isChecked()).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'survey-errors-ko.png'), fullPage: true });

    for (const id of ['workload', 'support', 'recognition']) await page.locator(`#q_${id}-2`).check();
    await page.locator('#q_share').fill('Talk to my manager Jan Kowalski, phone 010-1234-5678');
    await page.getByRole('button', { name: '응답 제출' }).click();
    expect(await page.locator('.warning').isVisible()).toBe(true);
    expect(await page.locator('#q_share').inputValue()).toContain('Jan Kowalski');
    expect(await participation()).toBe(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'comment-warning-ko.png'), fullPage: true });

    await page.locator('#q_share').fill('More breaks between difficult calls, please.');
    await page.getByRole('button', { name: '응답 제출' }).click();
    expect(new URL(page.url()).pathname).toBe('/thanks');
    expect(await page.locator('h1').textContent()).toBe('감사합니다');
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'thanks-ko.png'), fullPage: true });
    expect(await participation()).toBe(1);
    // Nothing left in the browser that could prove what was answered: no cookie at all.
    expect(await context.cookies()).toEqual([]);

    // P7: opening the spent link again looks like the first time; only sending tells, and says what to do.
    await page.goto(invitations[0]!.link);
    expect(await page.locator('h1').textContent()).toBe('주간 펄스');
    for (const id of ['week', 'workload', 'support', 'recognition']) await page.locator(`#q_${id}-2`).check();
    await page.getByRole('button', { name: '응답 제출' }).click();
    expect(await page.locator('[role=alert]').textContent()).toContain('이미 응답이 접수');
    expect(await page.locator('[role=alert]').textContent()).toContain('키오스크 코드');
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'invitation-used-ko.png'), fullPage: true });
    expect(await participation()).toBe(1);
    await context.close();
  });

  it('when a code is typed at a kiosk, then the survey opens, and a wrong code says so next to the field', async () => {
    const context = await browser.newContext({ locale: 'pl-PL' });
    const page = await context.newPage();
    await page.goto(`${base}/k/${org.slug}`);
    expect(await seriousViolations(page)).toEqual([]);
    // Check digit holds, but no invitation has it: "not a valid code", still in the field.
    await page.locator('#code').fill('99999 99999 99999 99999'.replace(/9$/, String(dammDigit('9'.repeat(19)))));
    await page.getByRole('button', { name: 'Zacznij' }).click();
    expect(await page.locator('#code-error').textContent()).toContain('nieprawidłowy');
    expect(await page.locator('#code').inputValue()).not.toBe('');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'kiosk-error-pl.png'), fullPage: true });
    await page.locator('#code').fill(invitations[1]!.code.replaceAll(' ', '-'));
    await page.getByRole('button', { name: 'Zacznij' }).click();
    expect(page.url()).toBe(`${base}/survey`);
    for (const id of ['week', 'workload', 'support', 'recognition']) await page.locator(`#q_${id}-4`).check();
    await page.getByRole('button', { name: 'Wyślij odpowiedzi' }).click();
    expect(new URL(page.url()).pathname).toBe('/thanks');
    expect(await participation()).toBe(2);
    await context.close();
  });

  for (const [lang, locale, start, checkFailed] of [
    ['ko', 'ko-KR', '시작', '숫자 하나가 잘못'],
    ['pl', 'pl-PL', 'Zacznij', 'Jedna cyfra jest błędna'],
    ['en', 'en-US', 'Start', 'One digit is mistyped'],
  ] as const) {
    it(`when a ${lang} employee types a code with a typo on a phone, then the message names it, the field keeps it, and the corrected code opens the survey`, async () => {
      const context = await browser.newContext({ locale, viewport: { width: 390, height: 844 }, isMobile: true });
      const page = await context.newPage();
      await page.goto(`${base}/k/${org.slug}`);
      expect(await page.locator('#code').getAttribute('inputmode')).toBe('numeric');
      const code = invitations[{ ko: 5, pl: 6, en: 7 }[lang]]!.code;
      // Two neighbouring digits swapped in the third group: the check digit catches it.
      const at = [...code].findIndex(
        (d, i) => i > 12 && /\d/.test(d) && /\d/.test(code[i + 1] ?? '') && d !== code[i + 1],
      );
      const typo = code.slice(0, at) + code[at + 1] + code[at] + code.slice(at + 2);
      await page.locator('#code').pressSequentially(typo);
      await page.getByRole('button', { name: start }).click();
      expect(await page.locator('#code-error').textContent()).toContain(checkFailed);
      expect(await page.locator('#code').inputValue()).toBe(typo);
      expect(await page.locator('#code').getAttribute('aria-invalid')).toBe('true');
      expect(await seriousViolations(page)).toEqual([]);
      await page.screenshot({ path: path.join(SCREENSHOTS, `kiosk-typo-${lang}.png`), fullPage: true });
      // Correct the two digits in place, as a person would: the rest stays as typed.
      await page.locator('#code').fill(code);
      await page.getByRole('button', { name: start }).click();
      expect(page.url()).toBe(`${base}/survey`);
      expect(await seriousViolations(page)).toEqual([]);
      await context.close();
    });
  }

  it('when HR prints a code sheet, then the cards show nickname, digits, kiosk address, QR, steps and promise in every survey language', async () => {
    await addRosterPeople(t.app, adminToken, 4, { department: 'Operations' });
    const response = await t.app.inject({
      method: 'POST',
      url: `/v1/surveys/${surveyId}/code-pools`,
      headers: { authorization: `Bearer ${adminToken}`, accept: 'text/html' },
      payload: { count: 4 },
    });
    expect(response.statusCode, response.body).toBe(201);
    const context = await browser.newContext({ viewport: { width: 794, height: 1123 } });
    const page = await context.newPage();
    await page.setContent(response.body);
    expect(await page.locator('.card').count()).toBe(4);
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'code-sheet.png'), fullPage: true });
    await context.close();
  });

  it('when the language switcher is used, then the page changes language and keeps no extra cookie', async () => {
    const context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    await page.goto(invitations[2]!.link);
    expect(await page.locator('h1').textContent()).toBe('Weekly pulse');
    // On the survey page the switcher submits the form (issue 14; test/e2e/reader-language.test.ts).
    await page.getByRole('button', { name: 'Polski' }).click();
    expect(await page.locator('h1').textContent()).toBe('Cotygodniowy puls');
    expect((await context.cookies()).map((c) => c.name)).toEqual(['quorum_survey']);
    const csp = (await page.request.get(`${base}/survey?lang=pl`)).headers()['content-security-policy'];
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'survey-en-desktop.png') });
    await context.close();
  });

  it('when the database refuses the answers, then the page says try again in Polish with every answer still filled in, and pressing send again counts them once', async () => {
    const context = await browser.newContext({ locale: 'pl-PL' });
    const page = await context.newPage();
    await page.goto(invitations[3]!.link);
    for (const id of ['week', 'workload', 'support', 'recognition']) await page.locator(`#q_${id}-1`).check();
    await page.locator('#q_share').fill('Krótsze spotkania & mniej "pilnych" maili');
    const before = await participation();
    // The write fails as on a full disk (SQLSTATE 53100), as in test/chaos/disk-full.test.ts.
    await sql`create function disk_full() returns trigger language plpgsql as $$
      begin raise exception 'No space left on device' using errcode = 'disk_full'; end $$`.execute(t.app.db);
    await sql`create trigger disk_full before insert on sealed_responses for each statement execute function disk_full()`.execute(
      t.app.db,
    );
    let status: number | undefined;
    page.on('response', (r) => void (r.url() === `${base}/survey` && (status = r.status())));
    try {
      await page.getByRole('button', { name: 'Wyślij odpowiedzi' }).click();
      await page.waitForLoadState();
      expect(status).toBe(503);
      expect(await page.locator('.summary h2').textContent()).toBe('Spróbuj ponownie za chwilę');
      for (const id of ['week', 'workload', 'support', 'recognition'])
        expect(await page.locator(`#q_${id}-1`).isChecked()).toBe(true);
      expect(await page.locator('#q_share').inputValue()).toBe('Krótsze spotkania & mniej "pilnych" maili');
      expect(await participation()).toBe(before);
      expect(await seriousViolations(page)).toEqual([]);
    } finally {
      await sql`drop trigger disk_full on sealed_responses`.execute(t.app.db);
      await sql`drop function disk_full()`.execute(t.app.db);
    }
    await page.getByRole('button', { name: 'Wyślij odpowiedzi' }).click();
    expect(new URL(page.url()).pathname).toBe('/thanks');
    expect(await participation()).toBe(before + 1);
    await context.close();
  });
});
