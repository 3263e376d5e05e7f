import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { bearer, tokenFor, type TestOrg } from '../helpers/factories.ts';
import { signIn } from '../helpers/dashboard.ts';
import { browserAvailable, launchChromium, seriousViolations } from '../helpers/browser.ts';
import { rosteredOrganization } from '../helpers/roster.ts';
import { answersFor, createSurvey, openWave, startSession, submit, tokenOfLink } from '../helpers/surveys.ts';
import { ROOT } from '../helpers/process.ts';

const SCREENSHOTS = path.join(ROOT, 'docs/screenshots');

let t: TestApp;
let org: TestOrg;
let base: string;
let browser: Browser;
let surveyId: string;
let cookie: string;

beforeAll(async () => {
  if (!browserAvailable) return;
  t = await buildTestApp({ config: { cookieSecure: false, releaseBatchSize: 50 } });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
  ({ org } = await rosteredOrganization(t.app, 220, 5));
  const owner = await tokenFor(t.app, org, 'owner');
  const patched = await t.app.inject({
    method: 'PATCH',
    url: '/v1/organization',
    headers: bearer(owner),
    payload: { reportablePairs: [['department', 'location']] },
  });
  expect(patched.statusCode, patched.body).toBe(200);
  surveyId = (await createSurvey(t.app, owner, { definition: DEFINITION })).id;
  for (const [wave, count] of [
    [1, 150],
    [2, 80],
  ] as const) {
    const { invitations } = await openWave(t.app, owner, surveyId);
    for (const [i, invitation] of invitations.slice(0, count).entries()) {
      const session = (await startSession(t.app, tokenOfLink(invitation.link))).json();
      const answers = answersFor(session.survey.questions, i * 7 + (wave - 1) * 3);
      // Few answer the optional question, so some groups' cells of it are hidden.
      if (i % 9 !== 0) delete answers.growth;
      answers.improve = `Comment ${wave}-${i}: more time for focused work, fewer meetings.`;
      expect((await submit(t.app, session.sessionToken, answers)).statusCode).toBe(201);
    }
  }
  await openWave(t.app, owner, surveyId); // wave 3 open: a hollow point on the trend
  cookie = await signIn(t.app, org.slug, org.ownerEmail);
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

const tr = (en: string, ko: string, pl: string) => ({ en, ko, pl });
const likert = (id: string, theme: string, text: ReturnType<typeof tr>, required = true) => ({
  id,
  type: 'likert5',
  theme,
  text,
  required,
});
/** A short engagement survey in three languages with one optional question few answer. */
const DEFINITION = {
  title: tr('Quarterly engagement', '분기 몰입도 조사', 'Kwartalne badanie zaangażowania'),
  languages: ['en', 'ko', 'pl'],
  defaultLanguage: 'en',
  questions: [
    likert(
      'proud',
      'engage',
      tr('I am proud to work here.', '이 회사에서 일하는 것이 자랑스럽다.', 'Jestem dumny/dumna, że tu pracuję.'),
    ),
    likert(
      'informed',
      'inform',
      tr(
        'I have the information I need to do my job well.',
        '일을 잘하는 데 필요한 정보를 얻고 있다.',
        'Mam informacje potrzebne do dobrej pracy.',
      ),
    ),
    likert(
      'growth',
      'growth',
      tr(
        'I have had a chance to learn this quarter.',
        '이번 분기에 배울 기회가 있었다.',
        'W tym kwartale miałem/miałam okazję się uczyć.',
      ),
      false,
    ),
    {
      id: 'enps',
      type: 'scale0_10',
      text: tr(
        'How likely are you to recommend working here to a friend?',
        '친구에게 이 회사를 추천할 가능성은 얼마나 됩니까?',
        'Jak bardzo prawdopodobne jest, że polecisz tę pracę znajomemu?',
      ),
      required: true,
    },
    {
      id: 'mode',
      type: 'single_choice',
      text: tr('Where do you mostly work?', '주로 어디에서 일하십니까?', 'Gdzie najczęściej pracujesz?'),
      required: true,
      options: [
        { id: 'office', text: tr('Office', '사무실', 'Biuro') },
        { id: 'home', text: tr('Home', '집', 'Dom') },
        { id: 'mixed', text: tr('Both', '둘 다', 'Jedno i drugie') },
      ],
    },
    {
      id: 'improve',
      type: 'text',
      text: tr(
        'What one thing would make this a better place to work?',
        '더 좋은 일터가 되기 위해 한 가지를 바꾼다면 무엇일까요?',
        'Jedna rzecz, która uczyniłaby to miejsce lepszym do pracy?',
      ),
      required: false,
    },
  ],
};

const LOCALES = { en: 'en-GB', ko: 'ko-KR', pl: 'pl-PL' } as const;

async function readerPage(lang: keyof typeof LOCALES) {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    locale: LOCALES[lang],
  });
  const [name, value] = cookie.split('=') as [string, string];
  await context.addCookies([{ name, value, url: base }]);
  return { context, page: await context.newPage() };
}

/** Nothing wider than the viewport (a wide table scrolls in its own region). */
const pageOverflows = (page: Page) =>
  page.evaluate<boolean>('document.documentElement.scrollWidth > document.documentElement.clientWidth');

describe.runIf(browserAvailable)('results pages in Chromium at 1280×800 (axe-core; the pages load no script)', () => {
  for (const lang of ['ko', 'pl', 'en'] as const) {
    it(`in ${lang}: the overview and the heatmap with hidden cells read, and pass axe-core`, async () => {
      const { context, page } = await readerPage(lang);
      const overview = await page.goto(`${base}/hr/surveys/${surveyId}/results?wave=1`);
      expect(overview!.status()).toBe(200);
      expect(await page.locator('svg.bar').count()).toBeGreaterThanOrEqual(4);
      expect(await seriousViolations(page)).toEqual([]);
      expect(await pageOverflows(page)).toBe(false);
      await page.screenshot({ path: path.join(SCREENSHOTS, `hr-results-${lang}.png`), fullPage: true });

      // The first declared breakdown with a hidden cell (which cells the engine hides depends on the answers).
      for (const q of ['department&by=location', 'department', 'location', 'tenure_band']) {
        const heatmap = await page.goto(`${base}/hr/surveys/${surveyId}/results/breakdown?dimension=${q}&wave=1`);
        expect(heatmap!.status()).toBe(200);
        if ((await page.locator('td.heat-hidden').count()) > 0) break;
      }
      const hidden = page.locator('td.heat-hidden');
      expect(await hidden.count()).toBeGreaterThan(0);
      expect(await hidden.first().textContent()).toMatch(/^\D+$/);
      // Visibly different without colour: the hatched background is an image, not a colour.
      expect(
        await page.evaluate<string>("getComputedStyle(document.querySelector('td.heat-hidden')).backgroundImage"),
      ).toContain('gradient');
      expect(await seriousViolations(page)).toEqual([]);
      expect(await pageOverflows(page)).toBe(false);
      await page.screenshot({ path: path.join(SCREENSHOTS, `hr-heatmap-${lang}.png`), fullPage: true });
      await context.close();
    });
  }

  it('in en: the trend chart with its table and the comment inbox pass axe-core', async () => {
    const { context, page } = await readerPage('en');
    await page.goto(`${base}/hr/surveys/${surveyId}/results/trend?dimension=department`);
    expect(await page.locator('svg.chart path').count()).toBeGreaterThan(0);
    expect(await page.locator('#trend-table tbody tr').count()).toBe(3);
    expect(await seriousViolations(page)).toEqual([]);
    expect(await pageOverflows(page)).toBe(false);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'hr-trend-en.png'), fullPage: true });

    await page.goto(`${base}/hr/surveys/${surveyId}/results/comments?question=improve&wave=1`);
    expect(await page.locator('ul.comments li').count()).toBeGreaterThan(5);
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'hr-comments-en.png'), fullPage: true });
    // Keyboard only: the first tab stop is the skip link, and the tabs are reachable.
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string>('document.activeElement.className')).toBe('skip');
    await context.close();
  });
});
