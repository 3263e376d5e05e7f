import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { browserAvailable, launchChromium, seriousViolations } from '../helpers/browser.ts';
import { signIn } from '../helpers/dashboard.ts';
import { ROOT } from '../helpers/process.ts';
import { rosteredOrganization } from '../helpers/roster.ts';
import { answerByLink, createSurvey, openWave } from '../helpers/surveys.ts';

const SCREENSHOTS = path.join(ROOT, 'docs/screenshots');

let t: TestApp;
let base: string;
let browser: Browser;
let cookie: string;
let draftId: string;

/** A list with a draft, an open wave and a closed one; the owner reads it in each language. */
beforeAll(async () => {
  if (!browserAvailable) return;
  t = await buildTestApp({ config: { cookieSecure: false } });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
  const { org, admin } = await rosteredOrganization(t.app, 20, 5);
  const closed = await createSurvey(t.app, admin, { template: 'engagement' });
  const links = (await openWave(t.app, admin, closed.id)).invitations.map((i) => i.link);
  for (const [i, link] of links.slice(0, 12).entries()) await answerByLink(t.app, link, i);
  await t.app.inject({
    method: 'POST',
    url: `/v1/surveys/${closed.id}/close`,
    headers: { authorization: `Bearer ${admin}` },
  });
  const open = await createSurvey(t.app, admin, { template: 'wellbeing', delivery: 'codes' });
  await openWave(t.app, admin, open.id);
  draftId = (await createSurvey(t.app, admin, { template: 'pulse', delivery: 'codes' })).id;
  cookie = await signIn(t.app, org.slug, org.ownerEmail);
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

/** Nothing wider than the window: Korean and Polish labels wrap instead of overflowing. */
const overflows = (page: Page) =>
  page.evaluate(() => {
    const root = (
      globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }
    ).document.documentElement;
    return root.scrollWidth > root.clientWidth;
  });

describe.runIf(browserAvailable)('survey management in Chromium (1280×800), ko, pl, en', () => {
  it('walks the list, the new-survey form and a draft editor in each language with no serious axe violation', async () => {
    for (const lang of ['ko', 'pl', 'en'] as const) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: lang });
      const [name, value] = cookie.split('=') as [string, string];
      await context.addCookies([{ name, value, url: base }]);
      const page = await context.newPage();
      const pages = [
        ['/hr/surveys', `hr-surveys-${lang}.png`],
        ['/hr/surveys/new', `hr-survey-new-${lang}.png`],
        [`/hr/surveys/${draftId}/edit`, `hr-survey-edit-${lang}.png`],
      ] as const;
      for (const [url, file] of pages) {
        const response = await page.goto(`${base}${url}`);
        expect(response!.status(), url).toBe(200);
        expect(response!.headers()['content-security-policy']).toContain("style-src 'self'");
        expect(await page.getAttribute('html', 'lang')).toBe(lang);
        await page.screenshot({ path: path.join(SCREENSHOTS, file), fullPage: true });
        expect(await seriousViolations(page), `${lang} ${url}`).toEqual([]);
        expect(await overflows(page), `${lang} ${url}`).toBe(false);
      }
      // The template preview and the survey's own page.
      for (const [url, file] of [
        [`/hr/templates/preview?template=engagement&lang=${lang}`, `hr-template-preview-${lang}.png`],
        [`/hr/surveys/${draftId}`, `hr-survey-${lang}.png`],
      ]) {
        await page.goto(`${base}${url}`);
        expect(await seriousViolations(page), `${lang} ${url}`).toEqual([]);
        await page.screenshot({ path: path.join(SCREENSHOTS, file!), fullPage: true });
      }
      await context.close();
    }
  }, 30_000);
});
