import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { bearer, login, tokenFor, type TestOrg } from '../helpers/factories.ts';
import { getPage, signIn } from '../helpers/dashboard.ts';
import { rosteredOrganization } from '../helpers/roster.ts';
import { answersFor, createSurvey, openWave, startSession, submit, tokenOfLink } from '../helpers/surveys.ts';
import { formatNumber, type Kind } from '../../src/dashboard/results/format.ts';
import { escapeHtml } from '../../src/pages/html.ts';

/**
 * Every number on the results pages is the API's number for the same reader (issue 15: "never a
 * second computation"), and a page never shows what the API withholds (SPEC P2). Each number a
 * page prints is a <data value data-of> element naming its place in the API's JSON (format.ts).
 */
let t: TestApp;
let org: TestOrg;
let surveyId: string;
const readers: Record<string, { cookie: string; token: string }> = {};

/** Opens the next wave (which closes the one before) and answers `count` of its invitations. */
async function answerWave(token: string, count: number, seed: number) {
  const { invitations } = await openWave(t.app, token, surveyId);
  for (const [i, invitation] of invitations.slice(0, count).entries()) {
    const session = (await startSession(t.app, tokenOfLink(invitation.link))).json();
    const answers = answersFor(session.survey.questions, i * 7 + seed);
    if (i % 3 === 0) answers.improve = `comment number ${seed}-${i}`;
    expect((await submit(t.app, session.sessionToken, answers)).statusCode).toBe(201);
  }
}

beforeAll(async () => {
  t = await buildTestApp({ config: { releaseBatchSize: 50 } });
  const rostered = await rosteredOrganization(t.app, 220, 5);
  org = rostered.org;
  const owner = await tokenFor(t.app, org, 'owner');
  const patched = await t.app.inject({
    method: 'PATCH',
    url: '/v1/organization',
    headers: bearer(owner),
    payload: { reportablePairs: [['department', 'location']] },
  });
  expect(patched.statusCode, patched.body).toBe(200);
  surveyId = (await createSurvey(t.app, owner, { template: 'engagement' })).id;
  await answerWave(owner, 150, 0);
  await answerWave(owner, 90, 3);
  await openWave(t.app, owner, surveyId); // closes wave 2; wave 3 stays open
  readers.owner = { cookie: await signIn(t.app, org.slug, org.ownerEmail), token: owner };
  const created = await t.app.inject({
    method: 'POST',
    url: '/v1/accounts',
    headers: bearer(owner),
    payload: {
      email: 'support-lead@x.example',
      role: 'analyst',
      scope: { dimension: 'department', value: 'Customer Support' },
    },
  });
  expect(created.statusCode, created.body).toBe(201);
  const password = created.json().password as string;
  readers.scoped = {
    cookie: await signIn(t.app, org.slug, 'support-lead@x.example', password),
    token: (await login(t.app, org, 'support-lead@x.example', password)).json().token as string,
  };
}, 120_000);
afterAll(async () => t?.close());

const api = async (token: string, path: string) => {
  const response = await t.app.inject({
    method: 'GET',
    url: `/v1/reports/surveys/${surveyId}/${path}`,
    headers: bearer(token),
  });
  expect(response.statusCode, `${path}: ${response.body}`).toBe(200);
  return response.json() as unknown;
};

/** The numbers a page prints: value, place in the API's JSON, and the text shown. */
function numbersOf(body: string): Array<{ value: number; of: string; text: string }> {
  return [...body.matchAll(/<data value="([^"]*)" data-of="([^"]*)">([^<]*)<\/data>/g)].map((m) => ({
    value: Number(m[1]),
    of: m[2]!,
    text: m[3]!,
  }));
}

const at = (json: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], json);

/** Every number of the page equals the API's at the place it names, printed as the reader's language prints it. */
function expectSameNumbers(body: string, json: unknown, lang: string, where: string, some = true) {
  const numbers = numbersOf(body);
  if (some) expect(numbers.length, where).toBeGreaterThan(0);
  for (const n of numbers) {
    expect(at(json, n.of), `${where}: ${n.of}`).toBe(n.value);
    const kinds: Kind[] = ['share', 'index', 'score', 'mean', 'count'];
    expect(
      kinds.map((k) => formatNumber(lang, k, n.value)),
      `${where}: ${n.of}`,
    ).toContain(n.text);
  }
  return numbers;
}

/** P2: every cell a page marks hidden or withheld carries text only, no digit. */
function expectHiddenWithoutNumbers(body: string, where: string): number {
  const hidden = [
    ...body.matchAll(
      /<(td|p|span)[^>]*class="[^"]*(heat-hidden|hidden-cell|hidden-value|withheld)[^"]*"[^>]*>([^<]*)</g,
    ),
  ];
  for (const h of hidden) expect(h[3], where).not.toMatch(/\d/);
  return hidden.length;
}

/** Numeric leaves of a JSON value with their paths. */
function leaves(json: unknown, prefix = ''): Array<[string, number]> {
  if (typeof json === 'number') return [[prefix, json]];
  if (!json || typeof json !== 'object') return [];
  return Object.entries(json).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
}

describe('results pages show the API numbers, for the owner and a scoped analyst (P2)', () => {
  for (const who of ['owner', 'scoped'] as const) {
    for (const lang of ['en', 'pl', 'ko']) {
      it(`P2 when ${who} reads the overview in ${lang}, then every number is the API's and every published one is shown`, async () => {
        const { cookie, token } = readers[who]!;
        for (const wave of [1, 2]) {
          const page = await getPage(t.app, cookie, `/hr/surveys/${surveyId}/results?wave=${wave}`, {
            'accept-language': lang,
          });
          expect(page.statusCode).toBe(200);
          const json = await api(token, `overview?wave=${wave}`);
          const shown = expectSameNumbers(page.body, json, lang, `${who} overview ${wave}`);
          expectHiddenWithoutNumbers(page.body, `${who} overview ${wave}`);
          // Completeness: the API's numbers of the report are on the page (eNPS once, not per question).
          const paths = new Set(shown.map((n) => n.of));
          const expected = leaves(json)
            .filter(([p]) => !p.startsWith('wave.') && !/^report\.questions\.[^.]+\.enps\./.test(p))
            .filter(([p, v]) => !p.startsWith('caveats.') || v !== 0)
            .map(([p]) => p);
          expect(
            expected.filter((p) => !paths.has(p)),
            `${who} overview ${wave}`,
          ).toEqual([]);
        }
        // Question text in the reader's language.
        const page = await getPage(t.app, cookie, `/hr/surveys/${surveyId}/results?wave=1`, {
          'accept-language': lang,
        });
        const definition = (
          await t.app.inject({ method: 'GET', url: `/v1/surveys/${surveyId}`, headers: bearer(readers.owner!.token) })
        ).json().definition as { questions: Array<{ type: string; text: Record<string, string> }> };
        for (const q of definition.questions.filter((x) => x.type !== 'text'))
          expect(page.body).toContain(escapeHtml(q.text[lang]!));
      });
    }

    it(`P2 when ${who} reads each breakdown and the declared pair, then cells equal the API's and hidden cells carry no number`, async () => {
      const { cookie, token } = readers[who]!;
      const queries =
        who === 'owner'
          ? ['dimension=department', 'dimension=location', 'dimension=tenure_band', 'dimension=department&by=location']
          : ['dimension=department', 'dimension=location', 'dimension=department&by=location'];
      let hiddenSeen = 0;
      for (const q of queries) {
        const page = await getPage(t.app, cookie, `/hr/surveys/${surveyId}/results/breakdown?${q}&wave=1`);
        expect(page.statusCode, q).toBe(200);
        const json = (await api(token, `breakdown?${q}&wave=1`)) as { groups: Array<{ group: string }> };
        const shown = expectSameNumbers(page.body, json, 'en', `${who} ${q}`, false);
        // Completeness: each group's published respondents, invited and rate are on the page.
        const counts = leaves(json)
          .map(([p]) => p)
          .filter((p) => /^groups\.\d+\.(respondents|invited|responseRate)$/.test(p));
        expect(counts.filter((p) => !shown.some((n) => n.of === p))).toEqual([]);
        hiddenSeen += expectHiddenWithoutNumbers(page.body, `${who} ${q}`);
        for (const g of json.groups) expect(page.body).toContain(`<th scope="col">${escapeHtml(g.group)}</th>`);
        // The heatmap API's cells (for one dimension) are those the page prints, group by group.
        if (!q.includes('by=')) {
          for (const columns of ['question', 'theme']) {
            const heat = (await api(token, `heatmap?${q}&wave=1&columns=${columns}`)) as {
              rows: Array<{ cells: Array<number | null> }>;
              columns: string[];
            };
            heat.rows.forEach((row, gi) =>
              row.cells.forEach((cell, ci) => {
                if (cell === null) return;
                const field =
                  columns === 'theme' ? `themes.${heat.columns[ci]}.favourable` : `questions.${heat.columns[ci]}.`;
                expect(
                  shown.some((n) => n.of.startsWith(`groups.${gi}.${field}`) && n.value === cell),
                  `${q} ${columns} ${gi}/${ci}`,
                ).toBe(true);
              }),
            );
          }
        }
      }
      expect(hiddenSeen, 'some cell of these breakdowns is hidden').toBeGreaterThan(0);
    });

    it(`P2 when ${who} reads the trend, overall and per dimension, then every point is the API's; open waves add no number`, async () => {
      const { cookie, token } = readers[who]!;
      for (const q of ['', 'dimension=location']) {
        const json = (await api(token, `trend${q ? `?${q}` : ''}`)) as Array<{ status: string }>;
        expect(json.map((p) => p.status)).toEqual(['closed', 'closed', 'open']);
        for (const metric of ['engagement', 'enps', 'respondents', 'rate']) {
          const page = await getPage(
            t.app,
            cookie,
            `/hr/surveys/${surveyId}/results/trend?${q ? `${q}&` : ''}metric=${metric}`,
          );
          expect(page.statusCode).toBe(200);
          expect(page.body).toMatch(/<svg\s[^>]*class="chart"/);
          // Invited and the rate are published along the first reportable dimension only (P7).
          const none = q === 'dimension=location' && metric === 'rate';
          const shown = expectSameNumbers(page.body, json, 'en', `${who} trend ${q} ${metric}`, false);
          if (none) expect(shown).toEqual([]);
          // Completeness: every published point of the metric is on the page (chart and table).
          const field = {
            engagement: 'engagementIndex',
            enps: 'enps.score',
            respondents: 'respondents',
            rate: 'responseRate',
          }[metric]!;
          const published = leaves(json)
            .map(([p]) => p)
            .filter((p) => p.endsWith(`.${field}`) && /^\d+\.groups\.\d+\.[a-zA-Z]+(\.score)?$/.test(p));
          expect(published.filter((p) => !shown.some((n) => n.of === p))).toEqual([]);
          expectHiddenWithoutNumbers(page.body, `${who} trend ${q}`);
          if (q) expect(shown.every((n) => !n.of.startsWith('2.'))).toBe(true);
        }
      }
    });

    it(`P4 when ${who} reads the comments, then the list is the API's (in any order) or hidden with a reason`, async () => {
      const { cookie, token } = readers[who]!;
      const page = await getPage(t.app, cookie, `/hr/surveys/${surveyId}/results/comments?question=improve&wave=1`);
      expect(page.statusCode).toBe(200);
      const json = (await api(token, 'comments?question=improve&wave=1')) as {
        suppressed: boolean;
        comments: string[];
      };
      const shown = [...page.body.matchAll(/<blockquote>([^<]*)<\/blockquote>/g)].map((m) => m[1]!);
      expect(shown.sort()).toEqual([...json.comments].sort());
      if (json.suppressed) expect(page.body).toContain('This list is hidden');
      else expectSameNumbers(page.body, json, 'en', `${who} comments`);
    });
  }
});

describe('CSV downloads are the API CSV, and audited as the API CSV is', () => {
  it('when each table is downloaded, then it is the API CSV byte for byte, as an attachment, with an audit entry', async () => {
    const { cookie, token } = readers.owner!;
    const pairs: Array<[string, string]> = [
      ['overview.csv?wave=1', 'overview?wave=1'],
      ['breakdown.csv?dimension=department&wave=1', 'breakdown?dimension=department&wave=1'],
      ['breakdown.csv?dimension=department&by=location&wave=1', 'breakdown?dimension=department&by=location&wave=1'],
      ['heatmap.csv?dimension=location&columns=question&wave=1', 'heatmap?dimension=location&columns=question&wave=1'],
      ['heatmap.csv?dimension=location&columns=theme&wave=1', 'heatmap?dimension=location&columns=theme&wave=1'],
      ['trend.csv?dimension=location', 'trend?dimension=location'],
      ['comments.csv?question=improve&wave=1', 'comments?question=improve&wave=1'],
    ];
    for (const [page, route] of pairs) {
      const download = await getPage(t.app, cookie, `/hr/surveys/${surveyId}/results/${page}`);
      expect(download.statusCode, page).toBe(200);
      expect(download.headers['content-type']).toMatch(/^text\/csv/);
      expect(download.headers['content-disposition']).toMatch(/^attachment; filename="[a-z]+\.csv"$/);
      const fromApi = await t.app.inject({
        method: 'GET',
        url: `/v1/reports/surveys/${surveyId}/${route}`,
        headers: { ...bearer(token), accept: 'text/csv' },
      });
      if (page.startsWith('comments'))
        expect(download.body.split('\n').sort(), page).toEqual(fromApi.body.split('\n').sort());
      else expect(download.body, page).toBe(fromApi.body);
    }
    await t.app.auditWritten();
    const entries = await t.app.db
      .selectFrom('audit_log')
      .select(['action', 'target', 'actor_kind', 'details'])
      .where('org_id', '=', org.id)
      .where('action', 'like', 'GET /hr/%')
      .execute();
    for (const name of ['overview', 'breakdown', 'heatmap', 'trend', 'comments'])
      expect(
        entries.some(
          (e) =>
            e.action === `GET /hr/surveys/:id/results/${name}.csv` &&
            e.target === surveyId &&
            e.actor_kind === 'session',
        ),
        name,
      ).toBe(true);
    // Pages themselves are reads, not exports: not recorded.
    expect(entries.filter((e) => !e.action.endsWith('.csv'))).toEqual([]);
  });

  it('P3 when a CSV of an open wave is asked, then the API refusal (409) and no numbers', async () => {
    const response = await getPage(
      t.app,
      readers.owner!.cookie,
      `/hr/surveys/${surveyId}/results/breakdown.csv?dimension=department&wave=3`,
    );
    expect(response.statusCode).toBe(409);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
  });
});

describe('open waves and bad input give a clear page, never a 500', () => {
  it('P3 when the open wave is read, then only its total, and a sentence saying results come when it closes', async () => {
    const page = await getPage(t.app, readers.owner!.cookie, `/hr/surveys/${surveyId}/results?wave=3`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Wave 3 is still open');
    const json = await api(readers.owner!.token, 'overview?wave=3');
    const shown = expectSameNumbers(page.body, json, 'en', 'open overview');
    expect(shown.every((n) => !n.of.startsWith('report.questions') && !n.of.startsWith('report.themes'))).toBe(true);
    for (const path of ['breakdown?dimension=department&wave=3', 'comments?question=improve&wave=3']) {
      const refused = await getPage(t.app, readers.owner!.cookie, `/hr/surveys/${surveyId}/results/${path}`, {
        'accept-language': 'pl',
      });
      expect(refused.statusCode, path).toBe(409);
      expect(refused.body).toContain('Edycja 3 jest jeszcze otwarta');
      expect(refused.body).toContain(`wave=2`);
      expect(numbersOf(refused.body)).toEqual([]);
    }
  });

  it('when a dimension, pair, question or wave is unknown or a free filter is tried, then a 4xx page in the reader language', async () => {
    const cases: Array<[string, number]> = [
      ['breakdown?dimension=level&wave=1', 400],
      ['breakdown?dimension=department&by=tenure_band&wave=1', 400],
      ['breakdown?dimension=department&department=Sales', 400],
      ['comments?question=proud&wave=1', 400],
      ['comments?question=nope&wave=1', 400],
      ['trend?dimension=level', 400],
      ['trend?metric=salary', 400],
      ['?wave=99', 404],
      ['?wave=abc', 400],
      ['breakdown.csv?dimension=level&wave=1', 400],
      ['heatmap.csv?dimension=department&columns=people&wave=1', 400],
    ];
    for (const [path, status] of cases) {
      const url = `/hr/surveys/${surveyId}/results${path.startsWith('?') ? '' : '/'}${path}`;
      const page = await getPage(t.app, readers.owner!.cookie, url, { 'accept-language': 'ko' });
      expect(page.statusCode, path).toBe(status);
      expect(page.headers['content-type'], path).toMatch(/^text\/html/);
      expect(page.body, path).toContain('lang="ko"');
      expect(numbersOf(page.body), path).toEqual([]);
    }
    // A scoped analyst asking for another segment's pair is refused as the API refuses.
    const scoped = await getPage(
      t.app,
      readers.scoped!.cookie,
      `/hr/surveys/${surveyId}/results/breakdown?dimension=department&wave=1&by=tenure_band`,
    );
    expect(scoped.statusCode).toBe(400);
    // …and their pages offer only what the service serves them: no link to an undeclared pair with their dimension.
    const theirs = await getPage(t.app, readers.scoped!.cookie, `/hr/surveys/${surveyId}/results/breakdown?wave=1`);
    expect(theirs.statusCode).toBe(200);
    expect(theirs.body).toContain('dimension=location');
    expect(theirs.body).not.toContain('dimension=tenure_band');
    const unknownSurvey = await getPage(
      t.app,
      readers.owner!.cookie,
      '/hr/surveys/00000000-0000-4000-8000-000000000000/results',
    );
    expect(unknownSurvey.statusCode).toBe(404);
  });
});
