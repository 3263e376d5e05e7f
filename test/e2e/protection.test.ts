import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Browser } from 'playwright-core';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { bearer, buildOrganization, tokenFor, type TestOrg } from '../helpers/factories.ts';
import { addRosterPeople, declareDimensions } from '../helpers/roster.ts';
import { browserAvailable, launchChromium, seriousViolations } from '../helpers/browser.ts';
import { createSurvey, openWave } from '../helpers/surveys.ts';
import { ROOT } from '../helpers/process.ts';

const SCREENSHOTS = path.join(ROOT, 'docs/screenshots');

let t: TestApp;
let org: TestOrg;
let base: string;
let browser: Browser;
let surveyId: string;
let invitations: Array<{ externalId: string; link: string }>;

/** Support/Seoul 8, Support/Annex 2, Sales/Seoul 6, department × location declared, comments from 10. */
beforeAll(async () => {
  if (!browserAvailable) return;
  t = await buildTestApp({ config: { cookieSecure: false } });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
  org = await buildOrganization(t.app);
  const owner = await tokenFor(t.app, org, 'owner');
  const labelled = [
    { key: 'department', label: 'Department', reportable: true },
    { key: 'location', label: 'Location', reportable: true },
  ];
  await declareDimensions(t.app, owner, labelled);
  const patched = await t.app.inject({
    method: 'PATCH',
    url: '/v1/organization',
    headers: bearer(owner),
    payload: { reportablePairs: [['department', 'location']], commentMinGroupSize: 10 },
  });
  expect(patched.statusCode, patched.body).toBe(200);
  const rows = [
    ...Array.from({ length: 8 }, () => ({ department: 'Support', location: 'Seoul' })),
    ...Array.from({ length: 2 }, () => ({ department: 'Support', location: 'Annex' })),
    ...Array.from({ length: 6 }, () => ({ department: 'Sales', location: 'Seoul' })),
  ].map((attributes, i) => ({ externalId: `P${i}`, attributes }));
  const imported = await t.app.inject({
    method: 'POST',
    url: '/v1/roster/import',
    headers: bearer(owner),
    payload: rows,
  });
  expect(imported.statusCode, imported.body).toBe(200);
  surveyId = (await createSurvey(t.app, owner, { template: 'pulse' })).id;
  invitations = (await openWave(t.app, owner, surveyId)).invitations.map((i) => ({
    externalId: i.externalId,
    link: i.link.replace('https://quorum.test', base),
  }));
  // After opening: two kiosk staff join Annex, and two codes are made for them.
  await addRosterPeople(t.app, owner, 2, { department: 'Support', location: 'Annex' });
  const pool = await t.app.inject({
    method: 'POST',
    url: `/v1/surveys/${surveyId}/code-pools`,
    headers: bearer(owner),
    payload: { count: 2, segment: { department: 'Support', location: 'Annex' } },
  });
  expect(pool.statusCode, pool.body).toBe(201);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

const linkOf = (externalId: string) => invitations.find((i) => i.externalId === externalId)!.link;
const phone = { viewport: { width: 390, height: 844 } };

describe.runIf(browserAvailable)('P10 the protection page in a real browser (Chromium, 390×844)', () => {
  it('P10 in Korean, from the survey page: the reader’s own smallest group, no token in the address', async () => {
    const context = await browser.newContext({ ...phone, locale: 'ko-KR' });
    const page = await context.newPage();
    await page.goto(linkOf('P8')); // Support, Annex
    await page.getByRole('link', { name: '이 설문의 현재 보호 상태 보기' }).click();
    expect(new URL(page.url()).pathname).toBe(`/protection/${org.slug}/${surveyId}`);
    expect(page.url()).not.toContain(new URL(linkOf('P8')).pathname.split('/').pop()!);
    expect(await page.locator('h1').textContent()).toBe('응답 보호 현황');
    await vi.waitFor(async () => {
      await page.reload();
      expect(await page.locator('[data-changes]').textContent()).toContain('키오스크 코드 발급');
    });
    expect(await page.locator('[data-smallest]').textContent()).toBe('4');
    expect(await page.locator('main').textContent()).toContain('내 응답이 포함될 수 있는');
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'protection-ko.png'), fullPage: true });
    await context.close();
  });

  it('P10 in Polish, after sending: the thank-you page links to it and it shows the wave’s smallest group', async () => {
    const context = await browser.newContext({ ...phone, locale: 'pl-PL' });
    const page = await context.newPage();
    await page.goto(linkOf('P12')); // Sales, Seoul
    for (const id of ['week', 'workload', 'support', 'recognition']) await page.locator(`#q_${id}-3`).check();
    await page.getByRole('button', { name: 'Wyślij odpowiedzi' }).click();
    expect(new URL(page.url()).pathname).toBe('/thanks');
    expect(await context.cookies()).toEqual([]);
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('link', { name: 'Zobacz, jak ta ankieta Cię chroni (stan bieżący)' }).click();
    expect(new URL(page.url()).pathname).toBe(`/protection/${org.slug}/${surveyId}`);
    expect(await page.locator('h1').textContent()).toBe('Jak chronione są Twoje odpowiedzi');
    expect(await page.locator('main').textContent()).toContain('jakakolwiek odpowiedź');
    expect(await page.locator('main').textContent()).toContain('4 zaproszone osoby');
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'protection-pl.png'), fullPage: true });
    await context.close();
  });

  it('P10 in English, opened directly, switching language keeps the address token-free', async () => {
    const context = await browser.newContext({ ...phone, locale: 'en-GB' });
    const page = await context.newPage();
    const response = await page.goto(`${base}/protection/${org.slug}/${surveyId}`);
    expect(response!.headers()['cache-control']).toBe('no-store');
    expect(await page.locator('h1').textContent()).toBe('How your answers are protected');
    expect(await page.locator('[data-k]').textContent()).toBe('5');
    expect(await page.locator('[data-comment-k]').textContent()).toBe('10');
    expect(await page.locator('[data-pairs]').textContent()).toContain('Department × Location');
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'protection-en.png'), fullPage: true });
    await page.getByRole('link', { name: '한국어' }).click();
    expect(page.url()).toBe(`${base}/protection/${org.slug}/${surveyId}?lang=ko`);
    expect(await page.locator('h1').textContent()).toBe('응답 보호 현황');
    await context.close();
  });
});
