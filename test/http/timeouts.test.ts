import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { bearer, buildOrganization, tokenFor } from '../helpers/factories.ts';
import { createSurvey } from '../helpers/surveys.ts';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ config: { statementTimeoutMs: 300 } });
});
afterAll(() => t.close());

describe('a report slower than the statement timeout', () => {
  it('when the report cannot finish in time, then 503 problem+json with Retry-After, and no partial numbers', async () => {
    const org = await buildOrganization(t.app);
    const token = await tokenFor(t.app, org, 'analyst');
    const admin = await tokenFor(t.app, org, 'admin');
    const survey = await createSurvey(t.app, admin, { template: 'pulse' });
    await t.app.inject({ method: 'POST', url: `/v1/surveys/${survey.id}/waves`, headers: bearer(admin) });
    // Another session holds the counters table, so the report's query waits until it is cancelled.
    const blocker = new pg.Client(t.databaseUrl);
    await blocker.connect();
    await blocker.query('begin; lock table answer_counts in access exclusive mode');
    try {
      const response = await t.app.inject({
        method: 'GET',
        url: `/v1/reports/surveys/${survey.id}/overview`,
        headers: bearer(token),
      });
      expect(response.statusCode).toBe(503);
      expect(response.headers['content-type']).toMatch(/problem\+json/);
      expect(response.headers['retry-after']).toBe('5');
      expect(response.json()).not.toHaveProperty('report');
    } finally {
      await blocker.query('rollback');
      await blocker.end();
    }
    expect(
      (await t.app.inject({ method: 'GET', url: `/v1/reports/surveys/${survey.id}/overview`, headers: bearer(token) }))
        .statusCode,
    ).toBe(200);
  });
});
