import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { bearer, tokenFor } from '../helpers/factories.ts';
import { rosteredOrganization } from '../helpers/roster.ts';
import { answersFor, createSurvey, openWave, startSession, submit, tokenOfLink } from '../helpers/surveys.ts';
import { publishedCounts, report } from '../helpers/reports.ts';
import { solverLimits } from '../../src/reports/solver-pool.ts';

const K = 5;
let t: TestApp;
let admin: string;
let surveyId: string;
const defaults = { ...solverLimits };

beforeAll(async () => {
  t = await buildTestApp({ config: { releaseBatchSize: 50 } });
  const rostered = await rosteredOrganization(t.app, 220, 5);
  admin = rostered.admin;
  // Comments need 20 writers: every department's comment list falls under it, so the engine needs
  // HiGHS for complementary suppression (respondent cells come from the mixer at k or more).
  const owner = await tokenFor(t.app, rostered.org, 'owner');
  const patched = await t.app.inject({
    method: 'PATCH',
    url: '/v1/organization',
    headers: bearer(owner),
    payload: { commentMinGroupSize: 20 },
  });
  expect(patched.statusCode, patched.body).toBe(200);
  surveyId = (await createSurvey(t.app, admin, { template: 'engagement' })).id;
  const { invitations } = await openWave(t.app, admin, surveyId);
  for (const [i, invitation] of invitations.slice(0, 150).entries()) {
    const session = (await startSession(t.app, tokenOfLink(invitation.link))).json();
    const answers = answersFor(session.survey.questions, i * 7);
    if (i % 3 === 0) answers.improve = `comment number ${i}`;
    expect((await submit(t.app, session.sessionToken, answers)).statusCode).toBe(201);
  }
  // The solver fails from the start, so neither the warmer (on close) nor a report can cache a pattern.
  solverLimits.options = { time_limit: 0 };
  await t.app.inject({ method: 'POST', url: `/v1/surveys/${surveyId}/close`, headers: bearer(admin) });
});
afterEach(() => Object.assign(solverLimits, defaults));
afterAll(() => t.close());

/** A 503 problem with Retry-After, and not one number from the report. */
function expectUnavailable(response: Awaited<ReturnType<typeof report>>) {
  expect(response.statusCode, response.body).toBe(503);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
  expect(response.json().code ?? response.json().type).toMatch(/disclosure-unavailable/);
  expect(publishedCounts(response.json())).toEqual([]);
}

describe('P9 reports fail closed when the disclosure engine cannot prove a pattern', () => {
  it("P9 when the attacker's solve hits a time limit, then the breakdown and the overview answer 503, never a cell", async () => {
    solverLimits.options = { time_limit: 0 };
    expectUnavailable(await report(t.app, admin, surveyId, 'breakdown', { dimension: 'department' }));
    expectUnavailable(await report(t.app, admin, surveyId, 'overview'));
  });

  it('P9 when the complement search hits a node limit, then 503', async () => {
    solverLimits.options = { mip_max_nodes: 0 };
    expectUnavailable(await report(t.app, admin, surveyId, 'breakdown', { dimension: 'department' }));
  });

  it('P9 when the solver throws on its thread, then 503 (not 500, not a report)', async () => {
    solverLimits.options = { no_such_option: 1 };
    expectUnavailable(await report(t.app, admin, surveyId, 'breakdown', { dimension: 'department' }));
  });

  it('P9 when the solver thread runs past its time, then it is stopped and the report answers 503', async () => {
    solverLimits.timeoutMs = 1;
    expectUnavailable(await report(t.app, admin, surveyId, 'breakdown', { dimension: 'department' }));
  });

  it('when the solver works again, then the reports come, small groups hidden (no failed attempt was cached)', async () => {
    const response = await report(t.app, admin, surveyId, 'breakdown', { dimension: 'department' });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(publishedCounts(body).every((n) => n >= K)).toBe(true);
    const comments = await report(t.app, admin, surveyId, 'comments', { question: 'improve' });
    expect(comments.statusCode, comments.body).toBe(200);
    // All 50 comments, or none where the pattern hides the total (the data is mixed at random).
    const list = comments.json();
    expect(list.suppressed ? list.comments.length : 50).toBe(list.comments.length);
  });
});
