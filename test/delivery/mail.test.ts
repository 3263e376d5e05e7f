import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { Browser } from 'playwright-core';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { bearer, buildOrganization, tokenFor, type TestOrg } from '../helpers/factories.ts';
import { rosteredOrganization } from '../helpers/roster.ts';
import { answerByLink, createSurvey, startSession, tokenOfLink } from '../helpers/surveys.ts';
import { linkIn, recipient, startMailSink } from '../helpers/smtp.ts';
import { browserAvailable, launchChromium } from '../helpers/browser.ts';
import { ROOT } from '../helpers/process.ts';
import { runScheduledWork } from '../../src/delivery/scheduler.ts';
import { smtpSender } from '../../src/delivery/transport.ts';

let t: TestApp;
let sink: Awaited<ReturnType<typeof startMailSink>>;
let sender: ReturnType<typeof smtpSender>;
let org: TestOrg;
let admin: string;
let base: string;
let browser: Browser | undefined;

const released: Array<[string, string]> = [];
const work = () =>
  runScheduledWork({
    db: t.app.db,
    keys: t.app.keys,
    publicUrl: base,
    send: sender.send,
    log: t.app.log,
    released: (orgId, surveyId) => void released.push([orgId, surveyId]),
  });
const emails = async () =>
  new Set(
    (
      await t.app.db
        .selectFrom('participants')
        .select('email')
        .where('org_id', '=', org.id)
        .where('email', 'is not', null)
        .execute()
    ).map((p) => p.email!),
  );

beforeAll(async () => {
  sink = await startMailSink();
  t = await buildTestApp({ config: { smtpUrl: sink.url, cookieSecure: false } });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
  (t.app.config as { publicUrl: string }).publicUrl = base;
  sender = smtpSender(sink.url, 'Quorum <quorum@quorum.test>');
  ({ org, admin } = await rosteredOrganization(t.app, 40, 9));
  if (browserAvailable) browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  sender.close();
  await t.close();
  await sink.stop();
});

describe('invitations by e-mail (P7: reminders without a who-answered list)', () => {
  let surveyId: string;

  it('when a wave opens with e-mail delivery, then HR gets only the people without e-mail and the outbox holds sealed mail', async () => {
    surveyId = (
      await createSurvey(t.app, admin, {
        template: 'pulse',
        delivery: 'email',
        reminderAfterDays: 3,
        schedule: 'weekly',
      })
    ).id;
    const opened = await t.app.inject({ method: 'POST', url: `/v1/surveys/${surveyId}/waves`, headers: bearer(admin) });
    expect(opened.statusCode).toBe(201);
    const handedToHr = opened.json().invitations as Array<{ email: string | null }>;
    expect(handedToHr.every((i) => i.email === null)).toBe(true);
    const addresses = await emails();
    const { rows } = await sql<{
      n: number;
      dump: string;
    }>`select count(*)::int as n, string_agg(o::text, '|') as dump from mail_outbox o where org_id = ${org.id}`.execute(
      t.app.db,
    );
    expect(rows[0]!.n).toBe(addresses.size);
    for (const address of addresses) expect(rows[0]!.dump).not.toContain(address);
    expect(rows[0]!.dump).not.toContain('qi_');
  });

  it('when the scheduler runs, then every addressee receives one mail, in text and HTML, in one language (the survey default for a roster without languages), and the outbox empties', async () => {
    const result = await work();
    expect(result.sent).toBe((await emails()).size);
    expect(sink.messages.map(recipient).sort()).toEqual([...(await emails())].sort());
    const mail = sink.messages[0]!;
    expect(mail.subject).toBe('Your voice, anonymously: Weekly pulse');
    // Issue 14: the recipient's language only (see test/e2e/reader-language.test.ts).
    expect(mail.text).not.toContain('주간 펄스');
    expect(mail.text).not.toContain('Cotygodniowy puls');
    expect(mail.from?.value[0]).toEqual({ name: `Org ${org.slug} via Quorum`, address: 'quorum@quorum.test' });
    expect(mail.html).toContain(linkIn(mail));
    expect(mail.text).toMatch(/\d{5} \d{5} \d{5} \d{5}/);
    expect((await work()).sent).toBe(0);
  });

  it.runIf(browserAvailable)(
    'when an employee follows the link from the mail, then the survey opens in Korean, and the answer is counted',
    async () => {
      const mail = sink.messages[0]!;
      const context = await browser!.newContext({ locale: 'ko-KR', viewport: { width: 390, height: 844 } });
      const page = await context.newPage();
      await page.goto(linkIn(mail));
      expect(page.url()).toBe(`${base}/survey`);
      expect(await page.locator('h1').textContent()).toBe('주간 펄스');
      for (const id of ['week', 'workload', 'support', 'recognition']) await page.locator(`#q_${id}-3`).check();
      await page.getByRole('button', { name: '응답 제출' }).click();
      expect(await page.locator('h1').textContent()).toBe('감사합니다');
      await page.screenshot({ path: path.join(ROOT, 'docs/screenshots/from-mail-thanks-ko.png') });
      await context.close();
      const { n } = await t.app.db
        .selectFrom('participation')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('org_id', '=', org.id)
        .executeTakeFirstOrThrow();
      expect(n).toBe(1);
    },
  );

  it('when reminders go out, then only those who have not answered are mailed, with a fresh link; the old link stops', async () => {
    const answeredLinks = sink.messages.slice(1, 4).map(linkIn);
    for (const link of answeredLinks) expect((await answerByLink(t.app, link.replace(base, 'x'))).statusCode).toBe(201);
    // The first mail was answered in the browser test, which runs only where Chromium is installed.
    const answeredInBrowser = browserAvailable ? [sink.messages[0]!] : [];
    const answeredBy = new Set([...answeredInBrowser, ...sink.messages.slice(1, 4)].map(recipient));
    const before = sink.messages.length;
    const hashesOf = async () =>
      new Map(
        (
          await sql<{
            id: string;
            h: string;
          }>`select i.id, encode(i.token_hash, 'hex') as h from invitations i join participants p on p.org_id = i.org_id and p.id = i.participant_id
          where i.org_id = ${org.id} and p.email is not null and i.wave_id in (select id from waves where org_id = ${org.id} and survey_id = ${surveyId} and status = 'open')`.execute(
            t.app.db,
          )
        ).rows.map((r) => [r.id, r.h]),
      );
    const hashesBefore = await hashesOf();
    const reminded = await t.app.inject({
      method: 'POST',
      url: `/v1/surveys/${surveyId}/reminders`,
      headers: bearer(admin),
    });
    expect(reminded.statusCode).toBe(202);
    expect(reminded.body).not.toMatch(/\d{2,}/); // no count of non-responders either
    await work();
    const reminders = sink.messages.slice(before);
    expect(reminders.map(recipient).sort()).toEqual([...(await emails())].filter((e) => !answeredBy.has(e)).sort());
    expect(reminders[0]!.subject).toBe('Reminder: Weekly pulse');
    // P1 against T2: every e-mailed invitation was re-issued, responders included, so the rows
    // that changed say nothing about who answered.
    const hashesAfter = await hashesOf();
    expect(hashesAfter.size).toBe(hashesBefore.size);
    for (const [id, hash] of hashesBefore) expect(hashesAfter.get(id), id).not.toBe(hash);
    const old = sink.messages.find((m) => recipient(m) === recipient(reminders[0]!))!;
    expect((await startSession(t.app, tokenOfLink(linkIn(old)))).json().code).toBe('unknown-token');
    expect((await answerByLink(t.app, linkIn(reminders[0]!))).statusCode).toBe(201);
  });

  it('when two scheduler passes race on a due pulse, then exactly one new wave opens and each invitation is mailed once', async () => {
    await sql`update waves set opened_on = current_date - 8 where org_id = ${org.id} and survey_id = ${surveyId} and status = 'open'`.execute(
      t.app.db,
    );
    const before = sink.messages.length;
    released.length = 0;
    const [a, b] = await Promise.all([work(), work()]);
    expect(a.opened + b.opened).toBe(1);
    // Wave 1 closed with it: its reports are recomputed ahead of readers.
    expect(released).toEqual([[org.id, surveyId]]);
    await work();
    const waves = await t.app.db
      .selectFrom('waves')
      .select(['number', 'status'])
      .where('org_id', '=', org.id)
      .where('survey_id', '=', surveyId)
      .orderBy('number')
      .execute();
    expect(waves).toEqual([
      { number: 1, status: 'closed' },
      { number: 2, status: 'open' },
    ]);
    const invitationsMail = sink.messages.slice(before).filter((m) => m.subject?.startsWith('Your voice'));
    expect(invitationsMail.map(recipient).sort()).toEqual([...(await emails())].sort());
  });

  it('when the SMTP server is down, then mail stays queued and goes out once it is back', async () => {
    const survey = (await createSurvey(t.app, admin, { template: 'event', delivery: 'email' })).id;
    await t.app.inject({ method: 'POST', url: `/v1/surveys/${survey}/waves`, headers: bearer(admin) });
    const broken = smtpSender('smtp://127.0.0.1:1', 'x@quorum.test');
    const failed = await runScheduledWork({
      db: t.app.db,
      keys: t.app.keys,
      publicUrl: base,
      send: broken.send,
      log: t.app.log,
    });
    broken.close();
    expect(failed.sent).toBe(0);
    expect(failed.failed).toBeGreaterThan(0);
    await sql`update mail_outbox set not_before = now() where org_id = ${org.id}`.execute(t.app.db);
    const before = sink.messages.length;
    let sent = 0;
    for (let i = 0; i < 3 && sent < (await emails()).size; i++) sent += (await work()).sent;
    expect(sink.messages.length - before).toBe((await emails()).size);
  });

  it('when e-mail delivery is asked without SMTP configured, then opening refuses with 409', async () => {
    const plain = await buildTestApp();
    const o = await buildOrganization(plain.app);
    const token = await tokenFor(plain.app, o, 'admin');
    const survey = await createSurvey(plain.app, token, { template: 'pulse', delivery: 'email' });
    const response = await plain.app.inject({
      method: 'POST',
      url: `/v1/surveys/${survey.id}/waves`,
      headers: bearer(token),
    });
    expect(response.json()).toMatchObject({ status: 409, code: 'email-not-configured' });
    await plain.close();
  });
});
