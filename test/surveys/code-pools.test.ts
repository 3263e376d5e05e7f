import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { bearer, buildOrganization, tokenFor, type TestOrg } from '../helpers/factories.ts';
import { addRosterPeople, declareDimensions } from '../helpers/roster.ts';
import { createSurvey, openWave } from '../helpers/surveys.ts';

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

const askPool = (surveyId: string, count: number, segment: Record<string, string>) =>
  t.app.inject({
    method: 'POST',
    url: `/v1/surveys/${surveyId}/code-pools`,
    headers: bearer(admin),
    payload: { count, segment },
  });

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

  it('P2 when a pool asks for more codes than the segment has uninvited people, then 409 code-pool-too-large naming what is left, and nothing is written', async () => {
    const survey = await createSurvey(t.app, admin, { template: 'pulse' });
    await openWave(t.app, admin, survey.id);
    // Joined after the wave opened: three people hold no invitation, so three codes may stand for them.
    await addRosterPeople(t.app, admin, 3, { department: 'Operations', location: 'Seoul' });
    const ask = (count: number, segment: Record<string, string>) => askPool(survey.id, count, segment);
    const before = Number(await poolInvitations(org.id));
    const refused = await ask(4, { department: 'Operations' });
    expect(refused.statusCode, refused.body).toBe(409);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.json()).toMatchObject({
      type: 'urn:quorum:problem:code-pool-too-large',
      title: 'Code pool larger than its segment',
      code: 'code-pool-too-large',
      available: 3,
    });
    expect(refused.json().detail).toMatch(/only 3 can still be issued/);
    expect(Number(await poolInvitations(org.id))).toBe(before);

    expect((await ask(2, { department: 'Operations' })).statusCode).toBe(201);
    // The two pooled codes are spent from the same people, also through a narrower segment.
    const narrower = await ask(2, { department: 'Operations', location: 'Seoul' });
    expect(narrower.statusCode, narrower.body).toBe(409);
    expect(narrower.json()).toMatchObject({ available: 1 });
    const rest = await ask(2, { department: 'Operations' });
    expect(rest.json()).toMatchObject({ available: 1 });
    expect((await ask(1, { department: 'Operations' })).statusCode).toBe(201);
    expect(Number(await poolInvitations(org.id))).toBe(before + 3);
  });

  // Found by an outside attack: {department: Ops} then {location: Main} (neither inside the other)
  // gave 44 codes for 30 people.
  it('P2 when pools are asked for overlapping segments, then codes already pooled for either count against the other', async () => {
    const survey = await createSurvey(t.app, admin, { template: 'pulse' });
    await openWave(t.app, admin, survey.id);
    await addRosterPeople(t.app, admin, 3, { department: 'Logistics', location: 'Depot' });
    const ask = (count: number, segment: Record<string, string>) => askPool(survey.id, count, segment);
    expect((await ask(3, { department: 'Logistics' })).statusCode).toBe(201);
    const overlapping = await ask(3, { location: 'Depot' });
    expect(overlapping.statusCode, overlapping.body).toBe(409);
    expect(overlapping.json()).toMatchObject({ available: 0 });
  });

  it('P2 when a survey audience leaves a segment out, then no pool may be made for it', async () => {
    const survey = await createSurvey(t.app, admin, {
      template: 'pulse',
      audience: { filter: { department: ['Support'] } },
    });
    await openWave(t.app, admin, survey.id);
    await addRosterPeople(t.app, admin, 5, { department: 'Sales' });
    await addRosterPeople(t.app, admin, 2, { department: 'Support' });
    const sales = await t.app.inject({
      method: 'POST',
      url: `/v1/surveys/${survey.id}/code-pools`,
      headers: bearer(admin),
      payload: { count: 1, segment: { department: 'Sales' } },
    });
    expect(sales.json()).toMatchObject({ code: 'code-pool-too-large', available: 0 });
    const support = await t.app.inject({
      method: 'POST',
      url: `/v1/surveys/${survey.id}/code-pools`,
      headers: bearer(admin),
      payload: { count: 2, segment: { department: 'Support' } },
    });
    expect(support.statusCode, support.body).toBe(201);
    const held = await t.app.db
      .selectFrom('invitations')
      .select(['held_by_hr', 'participant_id'])
      .where('org_id', '=', org.id)
      .where('participant_id', 'is', null)
      .execute();
    expect(held.every((i) => i.held_by_hr)).toBe(true);
  });
});
