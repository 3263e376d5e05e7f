import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.ts';
import { dammDigit } from '../../src/invitations/codes.ts';
import { CODE_GUESS_LIMITS } from '../../src/plugins/code-guessing.ts';
import { createTestDatabase, testConfig } from '../helpers/app.ts';
import { bearer, buildOrganization, type TestOrg } from '../helpers/factories.ts';
import { rosteredOrganization } from '../helpers/roster.ts';
import { answersFor, createSurvey, openWave, tokenOfLink } from '../helpers/surveys.ts';
import { report } from '../helpers/reports.ts';
import { recipient, startMailSink } from '../helpers/smtp.ts';
import { runScheduledWork } from '../../src/delivery/scheduler.ts';
import { smtpSender } from '../../src/delivery/transport.ts';
import { countContest } from '../../src/responses/contests.ts';
import { sweepStaleWindows } from '../../src/guessing/shared-budget.ts';
import { OPEN_WAVES_REFRESH_MS } from '../../src/responses/open-waves.ts';

/**
 * Issue 16, "more than one instance": two apps on one database, as two instances behind a load
 * balancer run — the same TOKEN_PEPPER (TEST_PEPPER), the same box-key folder, the same
 * DATABASE_URL — and every request goes through the real routes of one or the other.
 */
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let sink: Awaited<ReturnType<typeof startMailSink>>;
let a: App;
let b: App;
let instances: [App, App];

beforeAll(async () => {
  database = await createTestDatabase();
  sink = await startMailSink();
  const boxKeyDir = mkdtempSync(path.join(tmpdir(), 'quorum-box-keys-'));
  a = await buildApp(testConfig(database.url, { boxKeyDir, smtpUrl: sink.url }));
  b = await buildApp(testConfig(database.url, { boxKeyDir, smtpUrl: sink.url }));
  instances = [a, b];
  await Promise.all(instances.map((app) => app.reportChanges.listening));
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await sink?.stop();
  await database?.drop();
});

/** Polls until `check` holds (notices arrive asynchronously), or gives up after 10 s. */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
  const started = performance.now();
  for (;;) {
    const value = await read();
    if (check(value) || performance.now() - started > 10_000) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A code whose check digit holds but that no invitation has: a real guess. */
const guessed = (i: number) => {
  const data = String(i).padStart(19, '9');
  return `${data}${dammDigit(data)}`;
};
const address = (i: number) => `198.18.${Math.floor(i / 250) % 250}.${i % 250}`;

/** One try through instance `i % 2`, on the API or the kiosk form by turns, from its own address. */
function guess(i: number, organization: string, code = guessed(i)) {
  const app = instances[i % 2]!;
  return Math.floor(i / 2) % 2 === 0
    ? app.inject({
        method: 'POST',
        url: '/v1/respond/code',
        remoteAddress: address(i),
        payload: { organization, code },
      })
    : app.inject({
        method: 'POST',
        url: `/k/${organization}`,
        remoteAddress: address(i),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ code }).toString(),
      });
}

/**
 * The shared windows are minutes of the database's clock: a run of tries must not straddle one,
 * or it would rightly count in two windows. Waits (at most 15 s) for a minute with room left.
 */
async function freshMinute(): Promise<void> {
  const { rows } = await sql<{ s: number }>`select extract(second from clock_timestamp())::float8 as s`.execute(a.db);
  const second = rows[0]!.s;
  if (second > 45) await new Promise((r) => setTimeout(r, (60 - second + 0.2) * 1000));
  await sql`truncate code_guess_windows`.execute(a.db);
}

async function statusesOf(tries: Array<Promise<{ statusCode: number }>>): Promise<Record<number, number>> {
  const counts: Record<number, number> = {};
  for (const { statusCode } of await Promise.all(tries)) counts[statusCode] = (counts[statusCode] ?? 0) + 1;
  return counts;
}

describe('the code-guessing budget across instances (P5)', () => {
  let target: TestOrg;
  beforeAll(async () => {
    target = await buildOrganization(a);
  });
  beforeEach(freshMinute);

  it("P5 when many clients guess one organization's codes through both instances and both routes, then together they get 300 a minute, not 300 on each", async () => {
    const tries = [];
    for (let i = 0; i < CODE_GUESS_LIMITS.perOrganization + 20; i++) tries.push(guess(i, target.slug));
    expect(await statusesOf(tries)).toEqual({ 404: CODE_GUESS_LIMITS.perOrganization, 429: 20 });
    // The refusal says how long to wait, on either instance.
    const refused = await guess(1, target.slug);
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
  });

  it('P5 when guesses are spread over organizations and both instances, then the global budget refuses them at 600 a minute in all', async () => {
    const orgs = [target, await buildOrganization(a), await buildOrganization(b)];
    const tries = [];
    // Under each organization's 300, over the global 600 together.
    for (let i = 0; i < 3 * 220; i++) tries.push(guess(i, orgs[i % 3]!.slug));
    expect(await statusesOf(tries)).toEqual({ 404: CODE_GUESS_LIMITS.global, 429: 3 * 220 - CODE_GUESS_LIMITS.global });
  });

  it('P5 when PostgreSQL cannot count a try, then the try is refused with 503 on both routes, never let through', async () => {
    const org = await buildOrganization(b);
    await sql`alter table code_guess_windows rename to code_guess_windows_away`.execute(a.db);
    try {
      const api = await guess(0, org.slug);
      expect(api.statusCode).toBe(503);
      expect(api.json()).toMatchObject({ code: 'service-unavailable' });
      expect(Number(api.headers['retry-after'])).toBeGreaterThan(0);
      const kiosk = await guess(3, org.slug);
      expect(kiosk.statusCode).toBe(503);
      expect(kiosk.headers['content-type']).toMatch(/^text\/html/);
    } finally {
      await sql`alter table code_guess_windows_away rename to code_guess_windows`.execute(a.db);
    }
  });

  it('P1 P6 when codes are tried, then the shared budget holds only keyed hashes of one length, a minute and a count, and no address', async () => {
    for (let i = 0; i < 6; i++) await guess(i, target.slug);
    const { rows } = await sql<{ budget: Buffer; window_no: number; tries: number; persistence: string }>`
      select budget, window_no, tries, (select relpersistence from pg_class where relname = 'code_guess_windows') as persistence
      from code_guess_windows`.execute(a.db);
    expect(rows).toHaveLength(2); // this organization's window and the global one
    for (const row of rows) {
      expect(row.budget).toHaveLength(32);
      expect(row.budget.toString('latin1')).not.toContain(target.slug);
      expect(row.budget.toString('latin1')).not.toContain('198.18');
      expect(row.tries).toBe(6);
    }
    expect(rows[0]!.persistence).toBe('u'); // UNLOGGED: never in the WAL
  });

  it('P1 when a minute is over, then the sweep removes its rows and keeps the current ones', async () => {
    await guess(0, target.slug);
    // Another organization's window, two minutes ago.
    await sql`insert into code_guess_windows (budget, window_no, tries)
      select decode(md5('a') || md5('b'), 'hex'), floor(extract(epoch from now()) / 60)::bigint - 2, 7`.execute(a.db);
    expect(await sweepStaleWindows(b.db, CODE_GUESS_LIMITS.windowSeconds)).toBe(1);
    const { rows } = await sql<{ tries: number }>`select tries from code_guess_windows`.execute(a.db);
    expect(rows.map((r) => r.tries)).toEqual([1, 1]);
  });
});

describe('respondents spread over both instances', () => {
  it('P1 when sessions and submits alternate between the instances, then every answer is stored once, released by either, and both read the same report', async () => {
    const { org, admin } = await rosteredOrganization(a, 40, 16);
    const survey = await createSurvey(a, admin, { template: 'pulse', minGroupSize: 5 });
    const { invitations } = await openWave(b, admin, survey.id);
    expect(invitations).toHaveLength(40);
    // Ten at a time: the session from one instance, the submit (and any release) on the other. Ten
    // stay unanswered: a group where everyone answered shows no rate (P7), and no report.
    for (let start = 0; start < 30; start += 10) {
      const statuses = await Promise.all(
        invitations.slice(start, start + 10).map(async (invitation, j) => {
          const i = start + j;
          const session = await instances[i % 2]!.inject({
            method: 'POST',
            url: '/v1/respond/session',
            remoteAddress: address(i),
            payload: { token: tokenOfLink(invitation.link) },
          });
          expect(session.statusCode, session.body).toBe(200);
          const { sessionToken, survey: shown } = session.json();
          const sent = await instances[(i + 1) % 2]!.inject({
            method: 'POST',
            url: '/v1/respond/submit',
            remoteAddress: address(i),
            headers: bearer(sessionToken),
            payload: { answers: answersFor(shown.questions, i) },
          });
          return sent.statusCode;
        }),
      );
      expect(statuses.every((s) => s === 201)).toBe(true);
    }
    const closed = await a.inject({ method: 'POST', url: `/v1/surveys/${survey.id}/close`, headers: bearer(admin) });
    expect(closed.statusCode, closed.body).toBe(200);
    const count = async (table: 'participation' | 'responses' | 'sealed_responses') =>
      Number(
        (
          await a.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('org_id', '=', org.id)
            .executeTakeFirstOrThrow()
        ).n,
      );
    expect(await count('participation')).toBe(30);
    expect(await count('responses')).toBe(30);
    expect(await count('sealed_responses')).toBe(0);
    const [onA, onB] = await Promise.all(instances.map((app) => report(app, admin, survey.id, 'overview')));
    expect(onA!.statusCode).toBe(200);
    expect(onA!.json().report.respondents).toBe(30);
    expect(onB!.json()).toEqual(onA!.json());
  });
});

describe('the scheduler on both instances at once', () => {
  it('P7 when both run their scheduler together, then each due wave opens once, each mail is sent once and each wave is reminded once', async () => {
    const { org, admin } = await rosteredOrganization(a, 30, 17);
    const surveyId = (
      await createSurvey(a, admin, { template: 'pulse', delivery: 'email', schedule: 'weekly', reminderAfterDays: 1 })
    ).id;
    expect((await openWave(a, admin, surveyId)).wave.number).toBe(1);
    const waves = () =>
      a.db
        .selectFrom('waves')
        .select(['id', 'number'])
        .where('org_id', '=', org.id)
        .where('survey_id', '=', surveyId)
        .execute();
    await sql`update waves set opened_on = current_date - 8 where org_id = ${org.id} and survey_id = ${surveyId}`.execute(
      a.db,
    );
    const senders = instances.map(() => smtpSender(sink.url, 'Quorum <quorum@quorum.test>'));
    const bothAtOnce = () =>
      Promise.all(
        instances.map((app, i) =>
          runScheduledWork({
            db: app.db,
            keys: app.keys,
            publicUrl: 'https://quorum.test',
            send: senders[i]!.send,
            log: app.log,
          }),
        ),
      );
    const mailsTo = (from: number) => {
      const counts = new Map<string, number>();
      for (const mail of sink.messages.slice(from)) counts.set(recipient(mail), (counts.get(recipient(mail)) ?? 0) + 1);
      return counts;
    };
    try {
      const before = sink.messages.length;
      const first = await bothAtOnce();
      expect(first.map((r) => r.opened).reduce((x, y) => x + y)).toBe(1);
      expect((await waves()).map((w) => w.number).sort()).toEqual([1, 2]);
      // Wave 1's invitations and wave 2's: two mails for everyone with an address, never three.
      const invited = mailsTo(before);
      expect(invited.size).toBeGreaterThan(10);
      expect([...invited.values()].every((n) => n === 2)).toBe(true);
      expect(first.map((r) => r.sent).reduce((x, y) => x + y)).toBe(2 * invited.size);
      // Nothing more is due: a second pass on both opens and sends nothing.
      const again = await bothAtOnce();
      expect(again.map((r) => r.opened + r.sent + r.reminded).reduce((x, y) => x + y)).toBe(0);

      // The reminder's day comes: one reminder per non-responder, from whichever instance got there first.
      await sql`update waves set opened_on = current_date - 2 where org_id = ${org.id} and survey_id = ${surveyId} and number = 2`.execute(
        a.db,
      );
      const beforeReminders = sink.messages.length;
      const reminding = await bothAtOnce();
      expect(reminding.map((r) => r.reminded).reduce((x, y) => x + y)).toBe(1);
      const reminded = mailsTo(beforeReminders);
      expect([...reminded.keys()].sort()).toEqual([...invited.keys()].sort());
      expect([...reminded.values()].every((n) => n === 1)).toBe(true);
      expect((await bothAtOnce()).map((r) => r.reminded + r.sent).reduce((x, y) => x + y)).toBe(0);
    } finally {
      for (const sender of senders) sender.close();
    }
  });
});

describe('reports consistent across instances', () => {
  it("when one instance releases answers, then the other is told and warms that survey's reports too", async () => {
    const { org, admin } = await rosteredOrganization(a, 12, 18);
    const survey = await createSurvey(a, admin, { template: 'pulse', minGroupSize: 5 });
    const { invitations } = await openWave(a, admin, survey.id);
    const warmed: string[] = [];
    const refresh = b.reportWarmer.refresh.bind(b.reportWarmer);
    b.reportWarmer.refresh = (orgId, surveyId) => (warmed.push(`${orgId}/${surveyId}`), refresh(orgId, surveyId));
    try {
      // A batch is released on the submit that fills it (RELEASE_BATCH_SIZE 6 here), on instance a.
      for (const [i, invitation] of invitations.slice(0, 6).entries()) {
        const session = await a.inject({
          method: 'POST',
          url: '/v1/respond/session',
          remoteAddress: address(i),
          payload: { token: tokenOfLink(invitation.link) },
        });
        const { sessionToken, survey: shown } = session.json();
        const sent = await a.inject({
          method: 'POST',
          url: '/v1/respond/submit',
          remoteAddress: address(i),
          headers: bearer(sessionToken),
          payload: { answers: answersFor(shown.questions, i) },
        });
        expect(sent.statusCode).toBe(201);
      }
      const heard = await eventually(
        async () => warmed,
        (w) => w.length > 0,
      );
      expect(heard).toContain(`${org.id}/${survey.id}`);
    } finally {
      b.reportWarmer.refresh = refresh;
    }
    await b.reportWarmer.idle();
    const [onA, onB] = await Promise.all(instances.map((app) => report(app, admin, survey.id, 'overview')));
    expect(onB!.json()).toEqual(onA!.json());
  });

  it('P7 when a wave closed on one instance and another later writes the contests it had counted, then both instances show the new count', async () => {
    const { org, admin } = await rosteredOrganization(a, 12, 19);
    const survey = await createSurvey(a, admin, { template: 'pulse', minGroupSize: 5 });
    const { wave } = await openWave(a, admin, survey.id);
    expect(
      (await a.inject({ method: 'POST', url: `/v1/surveys/${survey.id}/close`, headers: bearer(admin) })).statusCode,
    ).toBe(200);
    // Both read the closed wave's caveats, and cache them as final.
    for (const app of instances)
      expect((await report(app, admin, survey.id, 'overview')).json().caveats.contestedAtLeast).toBeNull();
    // In one test process the two apps share contests.ts's memory: what instance b's own process
    // would still hold from before the close (submits that found their invitation used) is put
    // there by hand, and b's scheduler writes it.
    for (let i = 0; i < 5; i++) countContest(org.id, wave.id);
    await runScheduledWork({
      db: b.db,
      keys: b.keys,
      publicUrl: 'https://quorum.test',
      send: null,
      log: b.log,
      contestsWritten: (orgId, waveId) => b.reportChanges.waveCountsChanged(orgId, waveId),
    });
    const contested = (app: App) => async () =>
      (await report(app, admin, survey.id, 'overview')).json().caveats.contestedAtLeast as number | null;
    expect(await contested(b)()).toBe(5);
    expect(await eventually(contested(a), (n) => n === 5)).toBe(5);
  });
});

describe("employees' survey fetch across instances", () => {
  const fetchOn = (app: App, session: string) =>
    app.inject({ method: 'GET', url: '/v1/respond/survey', headers: { authorization: `Bearer ${session}` } });

  it("when HR closes a survey on one instance, then the other's fetches answer 410 well before its view's next read, and its submits are refused at once", async () => {
    const { admin } = await rosteredOrganization(a, 12, 21);
    const survey = await createSurvey(a, admin, { template: 'pulse', minGroupSize: 5 });
    const { invitations } = await openWave(a, admin, survey.id);
    const started = await Promise.all(
      invitations
        .slice(0, 2)
        .map((i) => b.inject({ method: 'POST', url: '/v1/respond/session', payload: { token: tokenOfLink(i.link) } })),
    );
    const [first, second] = started.map((r) => r.json().sessionToken as string);
    await b.openWaves.refresh();
    expect((await fetchOn(b, first!)).statusCode).toBe(200);
    const { questions } = (await fetchOn(b, second!)).json();
    // Only the database's notice can tell b now: its clock is stopped.
    b.openWaves.stop();
    try {
      const closing = performance.now();
      expect(
        (await a.inject({ method: 'POST', url: `/v1/surveys/${survey.id}/close`, headers: bearer(admin) })).statusCode,
      ).toBe(200);
      // Whatever b's view still says, the submit statement checks the wave itself.
      const late = await b.inject({
        method: 'POST',
        url: '/v1/respond/submit',
        headers: { authorization: `Bearer ${second}` },
        payload: { answers: answersFor(questions) },
      });
      expect(late.statusCode).toBe(410);
      const fetched = await eventually(
        async () => (await fetchOn(b, first!)).statusCode,
        (status) => status === 410,
      );
      expect(fetched).toBe(410);
      expect(performance.now() - closing).toBeLessThan(OPEN_WAVES_REFRESH_MS);
    } finally {
      b.openWaves.start();
    }
  });
});

describe('the notice connection', () => {
  it("when the server drops the instances' notice connections, then they reconnect and hear notices again", async () => {
    const { org, admin } = await rosteredOrganization(a, 12, 20);
    const survey = await createSurvey(a, admin, { template: 'pulse', minGroupSize: 5 });
    const { wave } = await openWave(a, admin, survey.id);
    expect(
      (await a.inject({ method: 'POST', url: `/v1/surveys/${survey.id}/close`, headers: bearer(admin) })).statusCode,
    ).toBe(200);
    // Both notice connections of this database go, as when the server restarts.
    const listeners = async () =>
      (
        await sql<{ pid: number; ready: boolean }>`select pid, state = 'idle' and query ilike 'listen %' as ready
          from pg_stat_activity where datname = current_database() and application_name = 'quorum-notices'`.execute(
          a.db,
        )
      ).rows;
    const before = (await listeners()).map((l) => l.pid);
    expect(before).toHaveLength(2);
    await sql`select pg_terminate_backend(pid) from pg_stat_activity
      where datname = current_database() and application_name = 'quorum-notices'`.execute(a.db);
    const after = await eventually(
      listeners,
      (ls) => ls.length === 2 && ls.every((l) => l.ready && !before.includes(l.pid)),
    );
    expect(after.every((l) => l.ready && !before.includes(l.pid))).toBe(true);
    // b caches the closed wave's caveats after its reconnect; a writes contests and tells it.
    expect((await report(b, admin, survey.id, 'overview')).json().caveats.contestedAtLeast).toBeNull();
    for (let i = 0; i < 5; i++) countContest(org.id, wave.id);
    await runScheduledWork({
      db: a.db,
      keys: a.keys,
      publicUrl: 'https://quorum.test',
      send: null,
      log: a.log,
      contestsWritten: (orgId, waveId) => a.reportChanges.waveCountsChanged(orgId, waveId),
    });
    const contested = async () =>
      (await report(b, admin, survey.id, 'overview')).json().caveats.contestedAtLeast as number | null;
    expect(await eventually(contested, (n) => n === 5)).toBe(5);
  });
});
