import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { bearer } from '../helpers/factories.ts';
import { rosteredOrganization } from '../helpers/roster.ts';
import { createSurvey, openWave, tokenOfLink } from '../helpers/surveys.ts';

let t: TestApp;
let admin: string;
let surveyId: string;
let tokens: string[];

beforeAll(async () => {
  t = await buildTestApp();
  ({ admin } = await rosteredOrganization(t.app, 12));
  surveyId = (await createSurvey(t.app, admin, { template: 'pulse' })).id;
  tokens = (await openWave(t.app, admin, surveyId)).invitations.map((i) => tokenOfLink(i.link));
});
afterAll(() => t.close());

describe('content negotiation (RFC 9110 q-values)', () => {
  const titleFor = async (token: string, acceptLanguage: string) =>
    (
      await t.app.inject({
        method: 'POST',
        url: '/v1/respond/session',
        headers: { 'accept-language': acceptLanguage },
        payload: { token },
      })
    ).json().survey.title as string;

  it('when Accept-Language ranks Korean above English by q-value, then the survey comes in Korean', async () => {
    expect(await titleFor(tokens[0]!, 'en;q=0.1, ko;q=0.9')).toBe('주간 펄스');
  });

  it('when Accept-Language refuses Korean with q=0, then it is not chosen', async () => {
    expect(await titleFor(tokens[1]!, 'ko;q=0, pl')).toBe('Cotygodniowy puls');
  });

  it('when Accept refuses CSV with q=0, then a report comes as JSON; when it asks for CSV, as CSV', async () => {
    const overview = (accept: string) =>
      t.app.inject({
        method: 'GET',
        url: `/v1/reports/surveys/${surveyId}/overview`,
        headers: { ...bearer(admin), accept },
      });
    expect((await overview('text/csv;q=0, application/json')).headers['content-type']).toMatch(/^application\/json/);
    expect((await overview('text/csv')).headers['content-type']).toMatch(/^text\/csv/);
    expect((await overview('*/*')).headers['content-type']).toMatch(/^application\/json/);
  });
});
