import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScheduledWork } from '../../src/delivery/scheduler.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { bearer, buildOrganization, tokenFor } from '../helpers/factories.ts';
import { report } from '../helpers/reports.ts';
import { declareDimensions, importCsv, rosterCsv } from '../helpers/roster.ts';
import { answerByLink, createSurvey, openWave } from '../helpers/surveys.ts';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(() => t.close());

/** An organization with one closed survey of `answers` responses; returns what the checks need. */
async function closedSurvey(retentionMonths: number | null, closedDaysAgo: number) {
  const org = await buildOrganization(t.app);
  const owner = await tokenFor(t.app, org, 'owner');
  await declareDimensions(t.app, owner);
  await importCsv(t.app, owner, rosterCsv(20, 9));
  if (retentionMonths !== null)
    expect(
      (
        await t.app.inject({
          method: 'PATCH',
          url: '/v1/organization',
          headers: bearer(owner),
          payload: { responseRetentionMonths: retentionMonths },
        })
      ).statusCode,
    ).toBe(200);
  const survey = await createSurvey(t.app, owner, { template: 'pulse' });
  const { invitations } = await openWave(t.app, owner, survey.id);
  for (const [i, invitation] of invitations.slice(0, 14).entries())
    expect((await answerByLink(t.app, invitation.link, i)).statusCode).toBe(201);
  await t.app.inject({ method: 'POST', url: `/v1/surveys/${survey.id}/close`, headers: bearer(owner) });
  await sql`update waves set closed_on = current_date - ${closedDaysAgo}::int where survey_id = ${survey.id}`.execute(
    t.app.db,
  );
  return { org, owner, survey };
}

const rows = async (table: 'responses' | 'participation' | 'answer_counts', orgId: string) =>
  (
    await t.app.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('org_id', '=', orgId)
      .executeTakeFirstOrThrow()
  ).n;

describe('response retention', () => {
  it('when a wave has been closed longer than the retention, then its answers and markers are deleted and every published result stays', async () => {
    const expired = await closedSurvey(1, 70);
    const recent = await closedSurvey(1, 3);
    const keptForever = await closedSurvey(null, 400);
    const before = (await report(t.app, expired.owner, expired.survey.id, 'overview')).json();
    const countersBefore = await rows('answer_counts', expired.org.id);
    expect(await rows('responses', expired.org.id)).toBe(14);

    const result = await runScheduledWork({
      db: t.app.db,
      keys: t.app.keys,
      publicUrl: 'https://quorum.test',
      send: null,
      log: t.app.log,
    });
    expect(result.expired).toBeGreaterThanOrEqual(14);

    expect(await rows('responses', expired.org.id)).toBe(0);
    expect(await rows('participation', expired.org.id)).toBe(0);
    expect(await rows('answer_counts', expired.org.id)).toBe(countersBefore);
    expect((await report(t.app, expired.owner, expired.survey.id, 'overview')).json()).toEqual(before);
    for (const kept of [recent, keptForever]) {
      expect(await rows('responses', kept.org.id)).toBe(14);
      expect(await rows('participation', kept.org.id)).toBe(14);
    }
  });

  it('when the retention is out of range, then 400 and nothing changes', async () => {
    const org = await buildOrganization(t.app);
    const owner = await tokenFor(t.app, org, 'owner');
    for (const months of [0, 121, 1.5, '6']) {
      expect(
        (
          await t.app.inject({
            method: 'PATCH',
            url: '/v1/organization',
            headers: bearer(owner),
            payload: { responseRetentionMonths: months },
          })
        ).statusCode,
      ).toBe(400);
    }
    expect(
      (await t.app.inject({ method: 'GET', url: '/v1/organization', headers: bearer(owner) })).json()
        .responseRetentionMonths,
    ).toBeNull();
  });
});
