import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { bearer } from '../helpers/factories.ts';
import { rosteredOrganization } from '../helpers/roster.ts';
import { startMailSink } from '../helpers/smtp.ts';
import { runScheduledWork } from '../../src/delivery/scheduler.ts';
import { smtpSender } from '../../src/delivery/transport.ts';

/**
 * Issue 14: the scheduler threw away the invitations of every wave it opened (a scheduled download
 * survey — the demo's own weekly pulse — issued links nobody could receive; an e-mail survey lost
 * the links of everyone without an address). No invitation may be issued that nobody can receive,
 * in any delivery mode; and by default HR holds no named token (SPEC P7).
 */
let t: TestApp;
let sink: Awaited<ReturnType<typeof startMailSink>>;
let sender: ReturnType<typeof smtpSender>;

beforeAll(async () => {
  sink = await startMailSink();
  t = await buildTestApp({ config: { smtpUrl: sink.url } });
  sender = smtpSender(sink.url, 'Quorum <quorum@quorum.test>');
});
afterAll(async () => {
  sender.close();
  await t.close();
  await sink.stop();
});

const work = (send: typeof sender.send | null) =>
  runScheduledWork({ db: t.app.db, keys: t.app.keys, publicUrl: 'https://q.test', send, log: t.app.log });

async function dueSurvey(delivery: string | undefined) {
  const { org, admin } = await rosteredOrganization(t.app, 30, 9);
  const noEmail = Number(
    (
      await sql<{
        n: number;
      }>`select count(*)::int as n from participants where org_id = ${org.id} and email is null`.execute(t.app.db)
    ).rows[0]!.n,
  );
  expect(noEmail).toBeGreaterThan(0);
  const body = { template: 'pulse', schedule: 'weekly', ...(delivery ? { delivery } : {}) };
  const created = await t.app.inject({ method: 'POST', url: '/v1/surveys', headers: bearer(admin), payload: body });
  expect(created.statusCode, created.body).toBe(201);
  const surveyId = created.json().id as string;
  const opened = await t.app.inject({ method: 'POST', url: `/v1/surveys/${surveyId}/waves`, headers: bearer(admin) });
  expect(opened.statusCode, opened.body).toBe(201);
  await sql`update waves set opened_on = current_date - 8 where org_id = ${org.id} and survey_id = ${surveyId}`.execute(
    t.app.db,
  );
  const invitations = async (number: number) =>
    Number(
      (
        await sql<{
          n: number;
        }>`select count(*)::int as n from invitations i join waves w on w.org_id = i.org_id and w.id = i.wave_id
          where w.org_id = ${org.id} and w.survey_id = ${surveyId} and w.number = ${number}`.execute(t.app.db)
      ).rows[0]!.n,
    );
  const waves = async () =>
    Number(
      (
        await sql<{
          n: number;
        }>`select count(*)::int as n from waves where org_id = ${org.id} and survey_id = ${surveyId}`.execute(t.app.db)
      ).rows[0]!.n,
    );
  const mailOf = async () =>
    Number(
      (await sql<{ n: number }>`select count(*)::int as n from mail_outbox where org_id = ${org.id}`.execute(t.app.db))
        .rows[0]!.n,
    );
  return { org, admin, noEmail, surveyId, opened: opened.json(), created: created.json(), invitations, waves, mailOf };
}

describe('P7 scheduled waves issue only invitations someone receives', () => {
  it('P7 when a survey names no delivery, then it gets e-mail where the service can send it, and HR receives no named link', async () => {
    const { created, opened, noEmail } = await dueSurvey(undefined);
    expect(created).toMatchObject({ delivery: 'email', hrHoldsNamedLinks: false });
    expect(opened.invitations).toEqual([]);
    expect(opened.withoutInvitation).toBe(noEmail);
  });

  it('P7 when an e-mail pulse is due, then the scheduler opens it, mails everyone with an address, and issues nothing for those without', async () => {
    const { invitations, waves, mailOf, surveyId, admin, noEmail } = await dueSurvey('email');
    expect(await invitations(1)).toBe(30 - noEmail);
    await work(sender.send);
    expect(await waves()).toBe(2);
    expect(await invitations(2)).toBe(30 - noEmail);
    expect(await mailOf()).toBe(0); // all sent
    // Those without an address are reached by kiosk codes: the pool cap stands for exactly them.
    const pool = await t.app.inject({
      method: 'POST',
      url: `/v1/surveys/${surveyId}/code-pools`,
      headers: bearer(admin),
      payload: { count: noEmail + 1, segment: {} },
    });
    expect(pool.statusCode).toBe(409);
    expect(pool.json().available).toBe(noEmail);
  });

  it('P7 when an e-mail pulse is due but mail cannot be sent, then the scheduler leaves it for later', async () => {
    const { waves } = await dueSurvey('email');
    await work(null);
    expect(await waves()).toBe(1);
  });

  it('P7 when a codes pulse is due, then the scheduler opens it without SMTP and issues no invitation; HR asks for codes', async () => {
    const { invitations, waves, surveyId, admin } = await dueSurvey('codes');
    expect(await invitations(1)).toBe(0);
    await work(null);
    expect(await waves()).toBe(2);
    expect(await invitations(2)).toBe(0);
    const pool = await t.app.inject({
      method: 'POST',
      url: `/v1/surveys/${surveyId}/code-pools`,
      headers: bearer(admin),
      payload: { count: 30, segment: {} },
    });
    expect(pool.statusCode, pool.body).toBe(201);
  });

  it('P7 when a download pulse is due, then the scheduler never opens it (its links would reach no one); HR opens it by hand', async () => {
    const { waves, created, surveyId, admin } = await dueSurvey('download');
    expect(created.hrHoldsNamedLinks).toBe(true);
    await work(sender.send);
    expect(await waves()).toBe(1);
    const opened = await t.app.inject({ method: 'POST', url: `/v1/surveys/${surveyId}/waves`, headers: bearer(admin) });
    expect(opened.json().invitations).toHaveLength(30);
  });
});
