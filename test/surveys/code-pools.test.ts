import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { bearer, buildOrganization, tokenFor, type TestOrg } from '../helpers/factories.ts';
import { declareDimensions } from '../helpers/roster.ts';
import { createSurvey } from '../helpers/surveys.ts';

let t: TestApp;
let org: TestOrg;
let admin: string;

beforeAll(async () => {
  t = await buildTestApp();
  org = await buildOrganization(t.app);
  admin = await tokenFor(t.app, org, 'admin');
  await declareDimensions(t.app, admin);
});
afterAll(() => t.close());

const askForCodes = (surveyId: string, token = admin) =>
  t.app.inject({
    method: 'POST',
    url: `/v1/surveys/${surveyId}/code-pools`,
    headers: bearer(token),
    payload: { count: 3, segment: { department: 'Operations' } },
  });

const poolInvitations = async (orgId: string) =>
  (
    await t.app.db
      .selectFrom('invitations')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('org_id', '=', orgId)
      .executeTakeFirstOrThrow()
  ).n;

describe('POST /v1/surveys/:id/code-pools', () => {
  it('when the survey does not exist, then 404 not-found, as on every other survey route', async () => {
    const response = await askForCodes(randomUUID());
    expect(response.statusCode, response.body).toBe(404);
    expect(response.json()).toMatchObject({ code: 'not-found' });
    expect(Number(await poolInvitations(org.id))).toBe(0);
  });

  it("when the survey is another organization's, then 404 too", async () => {
    const other = await buildOrganization(t.app);
    const otherAdmin = await tokenFor(t.app, other, 'admin');
    await declareDimensions(t.app, otherAdmin);
    const theirs = await createSurvey(t.app, otherAdmin, { template: 'pulse' });
    const response = await askForCodes(theirs.id);
    expect(response.statusCode, response.body).toBe(404);
  });

  it('when the survey exists but has no open wave, then 409 survey-not-open', async () => {
    const draft = await createSurvey(t.app, admin, { template: 'pulse' });
    const response = await askForCodes(draft.id);
    expect(response.statusCode, response.body).toBe(409);
    expect(response.json()).toMatchObject({ code: 'survey-not-open' });
  });
});
