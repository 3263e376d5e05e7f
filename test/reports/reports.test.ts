import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { bearer, buildAccount, buildOrganization, login, tokenFor, type TestOrg } from '../helpers/factories.ts';
import { rosteredOrganization } from '../helpers/roster.ts';
import { answersFor, createSurvey, openWave, startSession, submit, tokenOfLink } from '../helpers/surveys.ts';
import { publishedCounts, report } from '../helpers/reports.ts';
import { attack } from '../helpers/lp-attacker.ts';
import { reportsWarm } from '../../src/reports/service.ts';

const K = 5;
let t: TestApp;
let org: TestOrg;
let admin: string;
let surveyId: string;
let invitedCount: number;

beforeAll(async () => {
  t = await buildTestApp({ config: { releaseBatchSize: 50 } });
  ({ org, admin } = await rosteredOrganization(t.app, 220, 5));
  // P3: pairs are fixed when a survey opens, so the one the pair tests read is declared first.
  const patched = await t.app.inject({
    method: 'PATCH',
    url: '/v1/organization',
    headers: bearer(await tokenFor(t.app, org, 'owner')),
    payload: { reportablePairs: [['department', 'location']] },
  });
  expect(patched.statusCode, patched.body).toBe(200);
  surveyId = (await createSurvey(t.app, admin, { template: 'engagement' })).id;
  const { invitations } = await openWave(t.app, admin, surveyId);
  invitedCount = invitations.length;
  for (const [i, invitation] of invitations.slice(0, 150).entries()) {
    const session = (await startSession(t.app, tokenOfLink(invitation.link))).json();
    const answers = answersFor(session.survey.questions, i * 7);
    if (i % 3 === 0) answers.improve = `comment number ${i}`;
    expect((await submit(t.app, session.sessionToken, answers)).statusCode).toBe(201);
  }
  await t.app.inject({ method: 'POST', url: `/v1/surveys/${surveyId}/close`, headers: bearer(admin) });
});
afterAll(() => t.close());

describe('GET /v1/reports/surveys/:id/overview (P2)', () => {
  it('when the wave is closed, then invited, responded, rate, engagement, eNPS and every question are reported', async () => {
    const { report: r } = (await report(t.app, admin, surveyId, 'overview')).json();
    expect(r).toMatchObject({
      suppressed: false,
      respondents: 150,
      invited: invitedCount,
      responseRate: Math.round((150 / invitedCount) * 1000) / 1000,
    });
    expect(r.engagementIndex).toBeGreaterThanOrEqual(0);
    expect(r.engagementIndex).toBeLessThanOrEqual(100);
    const enps = r.questions.enps;
    const promoters = enps.distribution['9'] + enps.distribution['10'];
    expect(r.enps.promoters).toBeCloseTo(promoters, 2);
    expect(r.enps.score).toBe(Math.round((r.enps.promoters - r.enps.detractors) * 100));
    expect(r.questions.proud.favourable).toBeCloseTo(
      r.questions.proud.distribution['4'] + r.questions.proud.distribution['5'],
      2,
    );
    expect(Object.keys(r.themes).sort()).toEqual(['engage', 'inform', 'inspire', 'instruct', 'reward']);
  });

  it('when asked as CSV, then the same numbers come as a table with a header', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: `/v1/reports/surveys/${surveyId}/overview`,
      headers: { ...bearer(admin), accept: 'text/csv' },
    });
    const [header, row] = response.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\n');
    expect(header).toMatch(/^group,suppressed,respondents,invited,response_rate,engagement_index,enps,proud,/);
    expect(row).toMatch(/^\(all\),,150,/);
  });
});

describe('breakdowns (P2, P3)', () => {
  it('when broken down by department, then no published group rests on fewer than k and tiny departments never appear by name', async () => {
    const body = (await report(t.app, admin, surveyId, 'breakdown', { dimension: 'department' })).json();
    expect(publishedCounts(body).every((n) => n >= K)).toBe(true);
    const names = body.groups.map((g: { group: string }) => g.group);
    expect(names).toContain('Customer Support');
    expect(names).not.toContain('Legal');
    expect(names).not.toContain('Data Protection');
    const hidden = body.groups.filter((g: { suppressed: boolean }) => g.suppressed);
    expect(hidden.length === 0 || hidden.length >= 2).toBe(true);
  });

  it('when an attacker combines the breakdown with the overview total by integer programming, then no hidden group narrows below k', async () => {
    for (const dimension of ['department', 'location', 'tenure_band']) {
      const groups = (await report(t.app, admin, surveyId, 'breakdown', { dimension })).json().groups as Array<{
        group: string;
        suppressed: boolean;
        respondents: number | null;
      }>;
      const unknowns = groups.map((g) => ({ id: g.group, upper: Infinity }));
      const published = [
        { ids: unknowns.map((u) => u.id), total: 150 },
        ...groups.filter((g) => !g.suppressed).map((g) => ({ ids: [g.group], total: g.respondents! })),
      ];
      const hidden = groups.filter((g) => g.suppressed).map((g) => ({ id: g.group, ids: [g.group] }));
      for (const [, [lo, hi]] of await attack(unknowns, published, hidden)) expect(hi - lo).toBeGreaterThanOrEqual(K);
    }
  });

  it('when a dimension is not reportable or a free filter is tried, then 400 and no numbers', async () => {
    const level = await report(t.app, admin, surveyId, 'breakdown', { dimension: 'level' });
    expect(level.statusCode).toBe(400);
    expect(level.json().errors[0].field).toBe('query.dimension');
    const filter = await report(t.app, admin, surveyId, 'overview', { department: 'Sales' });
    expect(filter.statusCode).toBe(400);
  });

  it('when a pair is not declared, then 400; when declared before the survey opened, crossed groups come with the same rules', async () => {
    const undeclared = await report(t.app, admin, surveyId, 'breakdown', {
      dimension: 'department',
      by: 'tenure_band',
    });
    expect(undeclared.statusCode).toBe(400);
    expect(undeclared.json().errors[0].field).toBe('query.by');
    const body = (
      await report(t.app, admin, surveyId, 'breakdown', { dimension: 'department', by: 'location' })
    ).json();
    expect(body.groups.length).toBeGreaterThan(1);
    expect(body.groups[0].group).toContain(' × ');
    expect(publishedCounts(body).every((n) => n >= K)).toBe(true);
  });

  it('when a heatmap is asked, then each group row has a value per theme, null where hidden', async () => {
    const body = (await report(t.app, admin, surveyId, 'heatmap', { dimension: 'location', columns: 'theme' })).json();
    expect([...body.columns].sort()).toEqual(['engage', 'inform', 'inspire', 'instruct', 'reward']);
    for (const row of body.rows) expect(row.cells).toHaveLength(body.columns.length);
  });

  it('when the trend is asked, then there is one point per wave', async () => {
    const body = (await report(t.app, admin, surveyId, 'trend')).json();
    expect(body).toHaveLength(1);
    expect(body[0].groups[0].respondents).toBe(150);
  });
});

describe('comments (P4)', () => {
  it('when comments are read, then they come as text only, all of them, in random order', async () => {
    const first = (await report(t.app, admin, surveyId, 'comments', { question: 'improve' })).json();
    const second = (await report(t.app, admin, surveyId, 'comments', { question: 'improve' })).json();
    expect(first.comments).toHaveLength(50);
    expect([...first.comments].sort()).toEqual([...second.comments].sort());
    expect(first.comments).not.toEqual(second.comments);
  });

  it('when the organization asks 60 writers for comments before a survey opens, then a smaller group gets none', async () => {
    const owner = await tokenFor(t.app, org, 'owner');
    const threshold = async (commentMinGroupSize: number | null) =>
      expect(
        (
          await t.app.inject({
            method: 'PATCH',
            url: '/v1/organization',
            headers: bearer(owner),
            payload: { commentMinGroupSize },
          })
        ).statusCode,
      ).toBe(200);
    await threshold(60);
    try {
      const survey = await createSurvey(t.app, admin, { template: 'engagement' });
      const { invitations } = await openWave(t.app, admin, survey.id);
      for (const [i, invitation] of invitations.slice(0, 55).entries()) {
        const session = (await startSession(t.app, tokenOfLink(invitation.link))).json();
        const answers = { ...answersFor(session.survey.questions, i), improve: `later comment ${i}` };
        expect((await submit(t.app, session.sessionToken, answers)).statusCode).toBe(201);
      }
      await t.app.inject({ method: 'POST', url: `/v1/surveys/${survey.id}/close`, headers: bearer(admin) });
      const body = (await report(t.app, admin, survey.id, 'comments', { question: 'improve' })).json();
      expect(body).toMatchObject({ suppressed: true, comments: [] });
      // The survey opened before keeps the threshold it opened with (P3).
      expect((await report(t.app, admin, surveyId, 'comments', { question: 'improve' })).json().comments).toHaveLength(
        50,
      );
    } finally {
      await threshold(null);
    }
  });
});

describe('scoped readers (P3)', () => {
  it('when an analyst is limited to Customer Support, then every report shows that segment only', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/accounts',
      headers: bearer(admin),
      payload: {
        email: 'support-lead@x.example',
        role: 'analyst',
        scope: { dimension: 'department', value: 'Customer Support' },
      },
    });
    expect(created.statusCode).toBe(201);
    const token = (await login(t.app, org, 'support-lead@x.example', created.json().password)).json().token as string;
    const overview = (await report(t.app, token, surveyId, 'overview')).json();
    expect(overview.scope).toEqual({ dimension: 'department', value: 'Customer Support' });
    expect(overview.report.group).toBe('Customer Support');
    expect(overview.report.respondents).toBeLessThan(150);
    const byLocation = (await report(t.app, token, surveyId, 'breakdown', { dimension: 'location' })).json();
    for (const g of byLocation.groups) expect(g.group.startsWith('Customer Support × ')).toBe(true);
    expect(publishedCounts(byLocation).every((n) => n >= K)).toBe(true);
    // Their row of department × tenure_band exists only if the organization declared that pair.
    const byTenure = await report(t.app, token, surveyId, 'breakdown', { dimension: 'tenure_band' });
    expect(byTenure.statusCode).toBe(400);
    expect(byTenure.json().errors[0].field).toBe('query.dimension');
    // A pair without their own dimension would show other segments' groups.
    expect(
      (await report(t.app, token, surveyId, 'breakdown', { dimension: 'location', by: 'tenure_band' })).statusCode,
    ).toBe(400);
  });

  it('when a scope is given to a non-analyst or on a non-reportable dimension, then 400', async () => {
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/v1/accounts',
          headers: bearer(admin),
          payload: { email: 'a1@x.example', role: 'admin', scope: { dimension: 'department', value: 'Sales' } },
        })
      ).statusCode,
    ).toBe(400);
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/v1/accounts',
          headers: bearer(admin),
          payload: { email: 'a2@x.example', role: 'analyst', scope: { dimension: 'level', value: 'IC1' } },
        })
      ).statusCode,
    ).toBe(400);
  });
});

describe('open surveys and k (P2, P3)', () => {
  it('when a survey is open, then results stay hidden until a batch is released and then move in steps of at least k', async () => {
    const survey = await createSurvey(t.app, admin, { template: 'pulse' });
    const { invitations } = await openWave(t.app, admin, survey.id);
    const seen: Array<number | null> = [];
    for (const [i, invitation] of invitations.slice(0, 70).entries()) {
      const session = (await startSession(t.app, tokenOfLink(invitation.link))).json();
      await submit(t.app, session.sessionToken, answersFor(session.survey.questions, i));
      seen.push((await report(t.app, admin, survey.id, 'overview')).json().report.respondents);
    }
    const changes = seen.filter((n, i) => i > 0 && n !== seen[i - 1]);
    // Release batch 50 (RELEASE_BATCH_SIZE), k = 5 kept back: nothing before the 50th answer.
    expect(seen.slice(0, 49).every((n) => n === null)).toBe(true);
    expect(seen[49]).toBe(45);
    expect(changes.length).toBeGreaterThan(0);
    const steps = [null, ...changes].map((n) => n ?? 0);
    for (let i = 1; i < steps.length; i++) expect(steps[i]! - steps[i - 1]!).toBeGreaterThanOrEqual(K);
  });

  it('when k is raised, then every cell hidden before stays hidden (groups and question counts, every breakdown)', async () => {
    type Groups = Array<{
      group: string;
      suppressed: boolean;
      respondents: number | null;
      questions: Record<string, { n?: number; suppressed?: true }>;
    }>;
    const hiddenCells = async () => {
      const cells = new Set<string>();
      for (const dimension of ['department', 'location']) {
        for (const g of (await report(t.app, admin, surveyId, 'breakdown', { dimension })).json().groups as Groups) {
          if (g.suppressed) cells.add(`${dimension}=${g.group}`);
          for (const [q, stats] of Object.entries(g.questions))
            if (g.suppressed || stats.suppressed) cells.add(`${dimension}=${g.group}/${q}`);
        }
      }
      return cells;
    };
    const before = (await report(t.app, admin, surveyId, 'breakdown', { dimension: 'department' })).json()
      .groups as Groups;
    const hiddenBefore = await hiddenCells();
    expect(hiddenBefore.size, 'the fixture hides something to begin with').toBeGreaterThan(0);
    const published = before
      .filter((g) => !g.suppressed)
      .map((g) => g.respondents!)
      .sort((a, b) => a - b);
    const newK = published.at(-2)! + 1; // now the second-largest group is under k
    const raised = await t.app.inject({
      method: 'PATCH',
      url: `/v1/surveys/${surveyId}`,
      headers: bearer(admin),
      payload: { minGroupSize: newK },
    });
    expect(raised.statusCode, raised.body).toBe(200);
    const after = (await report(t.app, admin, surveyId, 'breakdown', { dimension: 'department' })).json()
      .groups as Groups;
    const hiddenAfter = await hiddenCells();
    // A whole hidden group hides its questions too.
    for (const cell of hiddenBefore)
      expect(hiddenAfter.has(cell) || hiddenAfter.has(cell.split('/')[0]!), `${cell} was hidden at the old k`).toBe(
        true,
      );
    expect(after.filter((g) => !g.suppressed).every((g) => g.respondents! >= newK)).toBe(true);
    expect(after.filter((g) => g.suppressed).length).toBeGreaterThan(before.filter((g) => g.suppressed).length);
    const lowered = await t.app.inject({
      method: 'PATCH',
      url: `/v1/surveys/${surveyId}`,
      headers: bearer(admin),
      payload: { minGroupSize: newK - 1 },
    });
    expect(lowered.statusCode).toBe(400);
  });

  it("when another organization's reader asks for this survey's reports, then 404", async () => {
    const other = await buildOrganization(t.app);
    const intruder = await tokenFor(t.app, other, 'owner');
    expect((await report(t.app, intruder, surveyId, 'overview')).statusCode).toBe(404);
    const analyst = await buildAccount(t.app, other, 'analyst');
    expect(analyst.id).toBeTruthy();
  });
});

describe('patterns computed ahead of readers', () => {
  it('when a batch is released, a wave opened or the survey closed, then the next report finds its patterns computed; after other changes a report computes them', async () => {
    const survey = await createSurvey(t.app, admin, { template: 'pulse' });
    const { invitations } = await openWave(t.app, admin, survey.id);
    // Opening the wave starts a background refresh; had it finished only after the PATCH below, it
    // would have warmed the new k itself (seen on a loaded machine).
    await t.app.reportWarmer.idle();
    const answer = async (from: number, to: number) => {
      for (const [i, invitation] of invitations.slice(from, to).entries()) {
        const session = (await startSession(t.app, tokenOfLink(invitation.link))).json();
        expect(
          (await submit(t.app, session.sessionToken, answersFor(session.survey.questions, from + i))).statusCode,
        ).toBe(201);
      }
      await t.app.reportWarmer.idle();
    };
    const warm = () => reportsWarm(t.app.db, org.id, survey.id);

    // A raised k is not new data: the next report computes the patterns itself.
    expect(
      (
        await t.app.inject({
          method: 'PATCH',
          url: `/v1/surveys/${survey.id}`,
          headers: bearer(admin),
          payload: { minGroupSize: K + 1 },
        })
      ).statusCode,
    ).toBe(200);
    expect(await warm()).toBe(false);
    expect((await report(t.app, admin, survey.id, 'overview')).statusCode).toBe(200);
    expect(await warm()).toBe(true);

    await answer(0, 50); // release batch 50: the 50th answer releases 44 (k = 6 kept back)
    expect(await warm(), 'after the first release').toBe(true);
    await answer(50, 60); // the 6 kept back and 10 more wait: no new data for readers
    expect(await warm()).toBe(true);

    await openWave(t.app, admin, survey.id); // closes wave 1: its last answers are released
    await t.app.reportWarmer.idle();
    expect(await warm(), 'after a wave opened').toBe(true);

    await t.app.inject({ method: 'POST', url: `/v1/surveys/${survey.id}/close`, headers: bearer(admin) });
    await t.app.reportWarmer.idle();
    expect(await warm(), 'after the close').toBe(true);
    expect((await report(t.app, admin, survey.id, 'overview', { wave: 1 })).json().report.respondents).toBe(60);
  });
});
