import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { countParticipants } from '../../src/roster/service.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { buildOrganization, PASSWORD, tokenFor, type TestOrg } from '../helpers/factories.ts';
import { browserAvailable, launchChromium, seriousViolations } from '../helpers/browser.ts';
import { ROOT } from '../helpers/process.ts';
import { declareDimensions, importCsv } from '../helpers/roster.ts';

const SCREENSHOTS = path.join(ROOT, 'docs/screenshots');
const desktop = { viewport: { width: 1280, height: 800 } };
const HEADER = 'external_id,email,name,department,location';

let t: TestApp;
let org: TestOrg;
let base: string;
let browser: Browser;
let csvPath: string;

beforeAll(async () => {
  if (!browserAvailable) return;
  t = await buildTestApp({ config: { cookieSecure: false } });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
  org = await buildOrganization(t.app);
  const owner = await tokenFor(t.app, org, 'owner');
  const dimensions = [
    { key: 'department', label: 'Department', reportable: true },
    { key: 'location', label: 'Location', reportable: true },
  ];
  await declareDimensions(t.app, owner, dimensions);
  const people = Array.from(
    { length: 12 },
    (_, i) => `P${i},,,${i % 2 ? 'Sales' : 'Support'},${i % 3 ? 'Seoul' : 'Kraków'}`,
  );
  expect((await importCsv(t.app, owner, `${HEADER}\n${people.join('\n')}\n`)).statusCode).toBe(200);
  // A file with one bad row (line 3): the import is refused as a whole.
  csvPath = path.join(mkdtempSync(path.join(tmpdir(), 'quorum-roster-')), 'roster.csv');
  writeFileSync(csvPath, `${HEADER}\nN1,n1@example.com,,Sales,Seoul\nN2,not-mail,,Sales,Seoul\n`);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function signedIn(locale: string): Promise<Page> {
  const context = await browser.newContext({ ...desktop, locale });
  const page = await context.newPage();
  await page.goto(`${base}/hr/login?next=%2Fhr%2Froster`);
  await page.locator('input[name="organization"]').fill(org.slug);
  await page.locator('input[name="email"]').fill(org.ownerEmail);
  await page.locator('input[name="password"]').fill(PASSWORD);
  await page.locator('main form button[type="submit"]').click();
  await page.waitForURL('**/hr/roster', { timeout: 5000 });
  return page;
}

const LANGS = [
  {
    lang: 'ko',
    locale: 'ko-KR',
    refused: '가져오기가 거부되었습니다',
    reason: '이메일 주소가 아닙니다',
    settings: '설정',
  },
  {
    lang: 'pl',
    locale: 'pl-PL',
    refused: 'Import odrzucony',
    reason: 'to nie jest adres e-mail',
    settings: 'Ustawienia',
  },
  {
    lang: 'en',
    locale: 'en-GB',
    refused: 'The import was refused',
    reason: 'is not an e-mail address',
    settings: 'Settings',
  },
];

describe.runIf(browserAvailable)('the roster and settings pages in Chromium (1280×800)', () => {
  for (const { lang, locale, refused, reason, settings } of LANGS) {
    it(`in ${lang}: a roster upload with a bad row shows the report, then settings and accounts, 0 serious axe issues`, async () => {
      const page = await signedIn(locale);
      expect(await page.locator('html').getAttribute('lang')).toBe(lang);
      expect(await seriousViolations(page)).toEqual([]);
      await page.locator('#f-file').setInputFiles(csvPath);
      await page.locator('#f-mode-sync').check();
      await page.locator('form[action="/hr/roster/import"] button[type="submit"]').click();
      await page.waitForLoadState();
      const report = page.locator('#report');
      expect(await report.locator('h2').textContent()).toContain(refused);
      const cells = await report.locator('tbody tr').first().locator('td').allTextContents();
      expect(cells).toEqual(['3', 'email', reason]);
      expect(await page.locator('#f-mode-sync').isChecked()).toBe(true);
      expect(await countParticipants(t.app.db, org.id)).toEqual({ total: 12, active: 12 });
      expect(await seriousViolations(page)).toEqual([]);
      await page.screenshot({ path: path.join(SCREENSHOTS, `hr-roster-${lang}.png`), fullPage: true });

      await page.locator('.main-nav').getByRole('link', { name: settings, exact: true }).click();
      await page.waitForURL('**/hr/settings');
      expect(new URL(page.url()).pathname).toBe('/hr/settings');
      expect(await seriousViolations(page)).toEqual([]);
      if (lang === 'en') await page.screenshot({ path: path.join(SCREENSHOTS, 'hr-settings-en.png'), fullPage: true });

      await page.locator('a[href="/hr/settings/accounts"]').click();
      await page.waitForURL('**/hr/settings/accounts');
      expect(new URL(page.url()).pathname).toBe('/hr/settings/accounts');
      await page.locator('#f-email').fill(`walk-${lang}@example.com`);
      await page.locator('#f-role-analyst').check();
      await page.locator('form[action="/hr/settings/accounts"] button[type="submit"]').click();
      await page.locator('[data-password]').waitFor();
      expect(await page.locator('[data-password]').textContent()).toMatch(/\S{12,}/);
      expect(page.url()).not.toContain('password');
      expect(await seriousViolations(page)).toEqual([]);
      if (lang === 'en') await page.screenshot({ path: path.join(SCREENSHOTS, 'hr-accounts-en.png'), fullPage: true });

      for (const url of ['/hr/roster/dimensions', '/hr/settings/api-keys', '/hr/settings/audit']) {
        await page.goto(`${base}${url}`);
        expect(await seriousViolations(page), url).toEqual([]);
        if (lang !== 'en') continue;
        const name = url.split('/').pop()!;
        await page.screenshot({ path: path.join(SCREENSHOTS, `hr-${name}-en.png`), fullPage: true });
      }
      await page.context().close();
    });
  }
});
