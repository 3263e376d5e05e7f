import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParsedMail } from 'mailparser';
import pg from 'pg';
import { remindNonResponders } from '../../src/delivery/reminders.ts';
import { applyRetention } from '../../src/retention/service.ts';
import { LOCK_CLASS, LOCK_SETTLE } from '../../src/anonymity/settle.ts';
import { buildApp, type App } from '../../src/app.ts';
import { runScheduledWork } from '../../src/delivery/scheduler.ts';
import { smtpSender } from '../../src/delivery/transport.ts';
import { openWave as openWaveJob } from '../../src/surveys/service.ts';
import { testConfig } from '../helpers/app.ts';
import { bearer, type TestOrg } from '../helpers/factories.ts';
import { addRosterPeople, importCsv, rosterCsv, rosteredOrganization } from '../helpers/roster.ts';
import { answersFor, createSurvey, openWave, tokenOfLink } from '../helpers/surveys.ts';
import { linkIn, recipient, startMailSink } from '../helpers/smtp.ts';
import {
  changedPages,
  changedStates,
  deadVersions,
  checkpointAndMark,
  diskReader,
  relationsOf,
  snapshotPages,
  startProductionLikeDatabase,
  tupleStates,
  unhintedTuples,
  visibilitySummary,
  walRecordsOn,
  type DiskReader,
} from '../helpers/disk.ts';

/**
 * SPEC P1 against T2, "an employee's read changes nothing on disk". The attacker holds the data
 * files and the WAL: every page of the invitations table and its indexes (heap, free-space and
 * visibility maps), and every WAL record between a checkpoint before the employees' requests and
 * the end of them. Employees go through the real routes; nothing is mocked. If a read set a hint
 * bit, marked an index entry dead or pruned a page, the attacker would see which invitation — so
 * which named participant — was just used.
 */
let database: Awaited<ReturnType<typeof startProductionLikeDatabase>>;
let reader: DiskReader;
let app: App;
let sink: Awaited<ReturnType<typeof startMailSink>>;
let sender: ReturnType<typeof smtpSender>;

const definition = {
  title: { en: 'Final state' },
  languages: ['en'],
  defaultLanguage: 'en',
  questions: [{ id: 'mood', type: 'likert5', text: { en: 'Mood?' } }],
};
/** What the employee path reads that someone else wrote. */
const READ_TABLES = ['invitations', 'waves', 'surveys', 'organizations'];

const address = () => `10.9.${randomBytes(1)[0]}.${randomBytes(1)[0]}`;

const employee = {
  async byLink(token: string) {
    const r = await app.inject({
      method: 'POST',
      url: '/v1/respond/session',
      payload: { token },
      remoteAddress: address(),
    });
    return r;
  },
  async byCode(organization: string, code: string) {
    return app.inject({
      method: 'POST',
      url: '/v1/respond/code',
      payload: { organization, code },
      remoteAddress: address(),
    });
  },
  async byPage(token: string) {
    return app.inject({ method: 'GET', url: `/s/${token}`, remoteAddress: address() });
  },
  async load(sessionToken: string) {
    return app.inject({
      method: 'GET',
      url: '/v1/respond/survey',
      headers: { authorization: `Bearer ${sessionToken}` },
    });
  },
  async submit(sessionToken: string, seed: number) {
    return app.inject({
      method: 'POST',
      url: '/v1/respond/submit',
      headers: { authorization: `Bearer ${sessionToken}` },
      payload: { answers: answersFor([{ id: 'mood', type: 'likert5', required: true }], seed) },
      remoteAddress: address(),
    });
  },
};

/** Opens a session by link, loads the survey, and optionally submits: the whole employee path. */
async function useLink(token: string, submit: boolean, seed = 0): Promise<string> {
  const session = await employee.byLink(token);
  expect(session.statusCode, session.body).toBe(200);
  const { sessionToken } = session.json() as { sessionToken: string };
  expect((await employee.load(sessionToken)).statusCode).toBe(200);
  if (submit) expect((await employee.submit(sessionToken, seed)).statusCode).toBe(201);
  return sessionToken;
}
async function useCode(org: TestOrg, code: string, submit: boolean, seed = 0): Promise<void> {
  const session = await employee.byCode(org.slug, code);
  expect(session.statusCode, session.body).toBe(200);
  const { sessionToken } = session.json() as { sessionToken: string };
  expect((await employee.load(sessionToken)).statusCode).toBe(200);
  if (submit) expect((await employee.submit(sessionToken, seed)).statusCode).toBe(201);
}

interface Observed {
  pages: string[];
  states: string[];
  wal: Array<{ relation: string; block: number; record: string }>;
}

/** The attacker's before/after: raw pages, tuple and index-item states, and the WAL in between. */
async function observe(tables: string[], act: () => Promise<void>): Promise<Observed> {
  await app.reportWarmer.idle();
  const relations = await relationsOf(reader, tables);
  const from = await checkpointAndMark(reader);
  const pagesBefore = await snapshotPages(reader, relations);
  const statesBefore = new Map<string, string>();
  for (const table of tables) for (const [k, v] of await tupleStates(reader, table)) statesBefore.set(k, v);
  await act();
  await app.reportWarmer.idle();
  const wal = await walRecordsOn(reader, from, relations);
  const statesAfter = new Map<string, string>();
  for (const table of tables) for (const [k, v] of await tupleStates(reader, table)) statesAfter.set(k, v);
  return {
    pages: changedPages(pagesBefore, await snapshotPages(reader, relations)),
    states: changedStates(statesBefore, statesAfter),
    wal,
  };
}

const scheduler = () =>
  runScheduledWork({ db: app.db, keys: app.keys, publicUrl: 'https://quorum.test', send: sender.send, log: app.log });
const codeIn = (mail: ParsedMail) => /\d{5} \d{5} \d{5} \d{5}/.exec(mail.text ?? '')?.[0] ?? '';

beforeAll(async () => {
  database = await startProductionLikeDatabase();
  reader = await diskReader(database.url);
  sink = await startMailSink();
  sender = smtpSender(sink.url, 'Quorum <quorum@quorum.test>');
  app = await buildApp(testConfig(database.url, { smtpUrl: sink.url, cookieSecure: false }));
}, 120_000);
afterAll(async () => {
  sender?.close();
  await app?.close();
  await reader?.close();
  await sink?.stop();
  await database?.stop();
});

describe('the server the attacker reads', () => {
  it('when it runs as production does, then data checksums are on, so a hint-bit write after a checkpoint logs its page', async () => {
    const { rows } = await reader.client.query<{ checksums: string; fpw: string }>(
      `select current_setting('data_checksums') as checksums, current_setting('full_page_writes') as fpw`,
    );
    expect(rows[0]).toEqual({ checksums: 'on', fpw: 'on' });
  });
});

describe('P1 after a wave opening', () => {
  let org: TestOrg;
  let invitations: Array<{ externalId: string; link: string; code: string }>;

  beforeAll(async () => {
    let admin: string;
    ({ org, admin } = await rosteredOrganization(app, 30, 21));
    const survey = await createSurvey(app, admin, { definition, minGroupSize: 5 });
    // The job itself, as the scheduler runs it: the HTTP route also starts a report refresh that
    // reads every invitation of the wave, which would set the hint bits by luck — at a moment of
    // its own choosing, racing the first employees — and so hide a missing settle.
    const { distribution } = await openWaveJob(app.db, app.keys, org.id, survey.id, {
      publicUrl: 'https://quorum.test',
      emailEnabled: true,
    });
    invitations = distribution.map((d) => ({ externalId: d.externalId, link: `/s/${d.token}`, code: d.code }));
  });

  it('when it returns the tokens, then every invitation page is already settled: hinted, all-visible, all-frozen', async () => {
    expect(await unhintedTuples(reader, 'invitations')).toBe(0);
    const vm = await visibilitySummary(reader, 'invitations');
    expect(vm).toEqual({ pages: vm.pages, allVisible: vm.pages, allFrozen: vm.pages });
  });

  it('when employees exchange links and codes and load their survey, then no page they read changes and no WAL record touches one', async () => {
    const seen = await observe(READ_TABLES, async () => {
      for (const i of invitations.slice(0, 3)) await useLink(tokenOfLink(i.link), false);
      for (const i of invitations.slice(3, 6)) await useCode(org, i.code, false);
      for (const i of invitations.slice(6, 8))
        expect((await employee.byPage(tokenOfLink(i.link))).statusCode).toBe(303);
    });
    expect(seen).toEqual({ pages: [], states: [], wal: [] });
  });

  it('when employees open a session without submitting, then nothing is written: no WAL record on any table or index of the app', async () => {
    const from = await checkpointAndMark(reader);
    for (const i of invitations.slice(18, 21)) await useLink(tokenOfLink(i.link), false);
    for (const i of invitations.slice(21, 23)) await useCode(org, i.code, false);
    expect(await walRecordsOn(reader, from, 'every relation of the app')).toEqual([]);
  });

  it('when employees also submit, then the invitations table and its indexes stay byte-identical and out of the WAL', async () => {
    const seen = await observe(['invitations'], async () => {
      for (const [n, i] of invitations.slice(8, 14).entries()) await useLink(tokenOfLink(i.link), true, n);
      for (const [n, i] of invitations.slice(14, 18).entries()) await useCode(org, i.code, true, n);
      // A second opening of a spent invitation reads it once more (and opens: P7).
      expect((await employee.byLink(tokenOfLink(invitations[8]!.link))).statusCode).toBe(200);
    });
    expect(seen).toEqual({ pages: [], states: [], wal: [] });
  });
});

describe('P1 after a reminder', () => {
  let org: TestOrg;
  let admin: string;
  let surveyId: string;
  const reminders: ParsedMail[] = [];
  const earlySessions: string[] = [];
  /** Those holding an early session are reminded too; their reminder mail stays unused. */
  const early = new Set<string>();
  const others = () => reminders.filter((m) => !early.has(recipient(m)));

  beforeAll(async () => {
    ({ org, admin } = await rosteredOrganization(app, 30, 22));
    surveyId = (
      await createSurvey(app, admin, { definition, minGroupSize: 5, delivery: 'email', reminderAfterDays: 1 })
    ).id;
    await openWave(app, admin, surveyId);
    const before = sink.messages.length;
    await scheduler();
    const invited = sink.messages.slice(before);
    expect(invited.length).toBeGreaterThan(10);
    // Three answer before the reminder; two open a session and leave it open across the reminder.
    for (const [n, mail] of invited.slice(0, 3).entries()) await useLink(tokenOfLink(linkIn(mail)), true, n);
    for (const mail of invited.slice(3, 5)) {
      earlySessions.push(await useLink(tokenOfLink(linkIn(mail)), false));
      early.add(recipient(mail));
    }
    const reminded = await app.inject({
      method: 'POST',
      url: `/v1/surveys/${surveyId}/reminders`,
      headers: bearer(admin),
    });
    expect(reminded.statusCode).toBe(202);
    const mark = sink.messages.length;
    await scheduler();
    reminders.push(...sink.messages.slice(mark));
    expect(reminders.length).toBe(invited.length - 3);
    expect(new Set(reminders.map(recipient)).size).toBe(reminders.length);
  });

  it('when the reminder mail has gone out, then the rewritten invitations have no dead version or dead index entry left', async () => {
    expect(await unhintedTuples(reader, 'invitations')).toBe(0);
    expect(await deadVersions(reader, 'invitations')).toBe(0);
    const states = await tupleStates(reader, 'invitations');
    expect([...states].filter(([, state]) => state === 'dead:true')).toEqual([]);
  });

  it('when the mailer has sent and deleted the mail, then no sent mail stays behind as a dead row version', async () => {
    expect(await reader.client.query(`select count(*)::int as n from mail_outbox`)).toMatchObject({ rows: [{ n: 0 }] });
    expect(await deadVersions(reader, 'mail_outbox')).toBe(0);
    expect(await unhintedTuples(reader, 'mail_outbox')).toBe(0);
  });

  it('when reminded employees use the new link or code and early sessions load the survey, then nothing they read changes on disk', async () => {
    const seen = await observe(READ_TABLES, async () => {
      for (const mail of others().slice(0, 3)) await useLink(tokenOfLink(linkIn(mail)), false);
      for (const mail of others().slice(3, 6)) await useCode(org, codeIn(mail), false);
      for (const session of earlySessions) expect((await employee.load(session)).statusCode).toBe(200);
    });
    expect(seen).toEqual({ pages: [], states: [], wal: [] });
  });

  it('when reminded employees submit, then the invitations table and its indexes stay byte-identical and out of the WAL', async () => {
    const seen = await observe(['invitations'], async () => {
      for (const [n, mail] of others().slice(6, 10).entries()) await useLink(tokenOfLink(linkIn(mail)), true, n);
      for (const [n, mail] of others().slice(10, 12).entries()) await useCode(org, codeIn(mail), true, n);
      for (const [n, session] of earlySessions.entries())
        expect((await employee.submit(session, n)).statusCode).toBe(201);
    });
    expect(seen).toEqual({ pages: [], states: [], wal: [] });
  });
});

describe('P1 after a roster sync that revokes leavers', () => {
  let org: TestOrg;
  let invitations: Array<{ externalId: string; link: string; code: string }>;
  let leavers: string[];

  beforeAll(async () => {
    let admin: string;
    ({ org, admin } = await rosteredOrganization(app, 24, 23));
    const survey = await createSurvey(app, admin, { definition, minGroupSize: 5 });
    ({ invitations } = await openWave(app, admin, survey.id));
    const [header, ...rows] = rosterCsv(24, 23).trimEnd().split('\n');
    leavers = rows.slice(0, 3).map((r) => r.split(',')[0]!);
    const synced = await importCsv(app, admin, [header, ...rows.slice(3)].join('\n') + '\n', 'sync');
    expect(synced.statusCode, synced.body).toBe(200);
    expect(synced.json()).toMatchObject({ deactivated: 3, revokedInvitations: 3 });
  });

  it('when leavers try their link and others read and answer, then no invitation page changes and no WAL record touches one', async () => {
    const seen = await observe(['invitations'], async () => {
      for (const i of invitations.filter((x) => leavers.includes(x.externalId))) {
        expect((await employee.byLink(tokenOfLink(i.link))).statusCode).toBe(410);
        expect((await employee.byCode(org.slug, i.code)).statusCode).toBe(410);
      }
      const stayers = invitations.filter((x) => !leavers.includes(x.externalId));
      for (const [n, i] of stayers.slice(0, 4).entries()) await useLink(tokenOfLink(i.link), n % 2 === 0, n);
      for (const [n, i] of stayers.slice(4, 7).entries()) await useCode(org, i.code, n % 2 === 0, n);
    });
    expect(seen).toEqual({ pages: [], states: [], wal: [] });
  });
});

describe('P1 after a code pool', () => {
  let org: TestOrg;
  let codes: Array<{ code: string; link: string }>;

  beforeAll(async () => {
    let admin: string;
    ({ org, admin } = await rosteredOrganization(app, 12, 25));
    const survey = await createSurvey(app, admin, { definition, minGroupSize: 5 });
    await openWave(app, admin, survey.id);
    // Kiosk staff joining after the wave opened: people the pool's codes can stand for (issue 13).
    await addRosterPeople(app, admin, 12, { department: 'Support' });
    await app.reportWarmer.idle();
    const pool = await app.inject({
      method: 'POST',
      url: `/v1/surveys/${survey.id}/code-pools`,
      headers: bearer(admin),
      payload: { count: 12, segment: { department: 'Support' } },
    });
    expect(pool.statusCode, pool.body).toBe(201);
    ({ codes } = pool.json() as { codes: Array<{ code: string; link: string }> });
  });

  // A pool code belongs to a segment, but whoever handed out the printed codes knows who got which.
  it('when kiosk users type pool codes, load and answer, then no invitation page changes and no WAL record touches one', async () => {
    const seen = await observe(['invitations'], async () => {
      for (const [n, c] of codes.slice(0, 6).entries()) await useCode(org, c.code, n % 2 === 0, n);
    });
    expect(seen).toEqual({ pages: [], states: [], wal: [] });
  });
});

describe('P1 P7 after answers are in', () => {
  it('when respondents come back to their spent link or code, then opening it again changes nothing on disk', async () => {
    const { org, admin } = await rosteredOrganization(app, 12, 28);
    const survey = await createSurvey(app, admin, { definition, minGroupSize: 5 });
    const { invitations } = await openWave(app, admin, survey.id);
    for (const [n, i] of invitations.slice(0, 6).entries()) await useLink(tokenOfLink(i.link), true, n);
    // P7 and P1: a spent token must look like an unspent one, on disk too (found by an outside audit:
    // the spent check was the first read of the respondent's participation row, setting its hint bit).
    const seen = await observe(['participation', ...READ_TABLES], async () => {
      for (const i of invitations.slice(0, 2))
        expect((await employee.byLink(tokenOfLink(i.link))).statusCode).toBe(200);
      for (const i of invitations.slice(2, 4)) expect((await employee.byCode(org.slug, i.code)).statusCode).toBe(200);
      for (const i of invitations.slice(4, 6)) await employee.byPage(tokenOfLink(i.link));
    });
    expect(seen).toEqual({ pages: [], states: [], wal: [] });
  });
});

describe('P1 after retention', () => {
  it('when expired answers and markers are deleted, then none stays behind as a dead row version', async () => {
    const { org, admin } = await rosteredOrganization(app, 12, 26);
    const survey = await createSurvey(app, admin, { definition, minGroupSize: 5 });
    const { invitations } = await openWave(app, admin, survey.id);
    for (const [n, i] of invitations.slice(0, 7).entries()) await useLink(tokenOfLink(i.link), true, n);
    expect(
      (await app.inject({ method: 'POST', url: `/v1/surveys/${survey.id}/close`, headers: bearer(admin) })).statusCode,
    ).toBe(200);
    await app.reportWarmer.idle();
    // Time passes: the wave closed long ago, and the organization keeps answers one month.
    await reader.client.query(`update waves set closed_on = current_date - 400 where org_id = $1`, [org.id]);
    await reader.client.query(`update organizations set response_retention_months = 1 where id = $1`, [org.id]);
    expect(await applyRetention(app.db)).toEqual({ responses: 7, markers: 7 });
    for (const table of ['participation', 'responses']) {
      expect(await deadVersions(reader, table), table).toBe(0);
      expect(await unhintedTuples(reader, table), table).toBe(0);
    }
  });
});

describe('ordering: older snapshots and other instances', () => {
  let org: TestOrg;
  let admin: string;

  beforeAll(async () => {
    ({ org, admin } = await rosteredOrganization(app, 20, 24));
  });

  /** A report query or a request of another instance, holding a snapshot from before the job. */
  async function holdOldSnapshot(): Promise<{ release: () => Promise<void> }> {
    const holder = new pg.Client(database.url);
    await holder.connect();
    await holder.query('begin isolation level repeatable read');
    await holder.query('select count(*) from organizations');
    return {
      release: async () => {
        await holder.query('commit');
        await holder.end();
      },
    };
  }

  it('when a snapshot older than a reminder is still open, then the reminder waits for it and leaves no dead version behind', async () => {
    const surveyId = (
      await createSurvey(app, admin, { definition, minGroupSize: 5, delivery: 'email', reminderAfterDays: 1 })
    ).id;
    await openWaveJob(app.db, app.keys, org.id, surveyId, { publicUrl: 'https://quorum.test', emailEnabled: true });
    const old = await holdOldSnapshot();
    const reminding = remindNonResponders(app.db, app.keys, org.id, surveyId, 'https://quorum.test', {
      onlyIfDue: false,
      emailEnabled: true,
    });
    let done = false;
    void reminding.then(() => (done = true));
    await new Promise((r) => setTimeout(r, 400));
    expect(done).toBe(false);
    await old.release();
    await reminding;
    expect(await deadVersions(reader, 'invitations')).toBe(0);
    const vm = await visibilitySummary(reader, 'invitations');
    expect(vm.allFrozen).toBe(vm.pages);
  });

  it('when the mail drain holds the lock too long, then a reminder gives up before writing anything (503)', async () => {
    const surveyId = (
      await createSurvey(app, admin, { definition, minGroupSize: 5, delivery: 'email', reminderAfterDays: 1 })
    ).id;
    await openWaveJob(app.db, app.keys, org.id, surveyId, { publicUrl: 'https://quorum.test', emailEnabled: true });
    const hashes = `select string_agg(encode(token_hash, 'hex'), ',' order by id) as h from invitations where org_id = $1`;
    const before = (await reader.client.query(hashes, [org.id])).rows[0].h;
    const drain = new pg.Client(database.url);
    await drain.connect();
    try {
      await drain.query('select pg_advisory_lock($1, $2)', [LOCK_CLASS, LOCK_SETTLE]);
      await expect(
        remindNonResponders(app.db, app.keys, org.id, surveyId, 'https://quorum.test', {
          onlyIfDue: false,
          emailEnabled: true,
          settle: { lockWaitMs: 300 },
        }),
      ).rejects.toMatchObject({ status: 503, code: 'settle-busy' });
    } finally {
      await drain.end();
    }
    expect((await reader.client.query(hashes, [org.id])).rows[0].h).toBe(before);
  });

  it('when another instance drains the outbox while a reminder is not settled yet, then no mail leaves before the invitations are settled', async () => {
    const other = await buildApp(testConfig(database.url, { smtpUrl: sink.url, cookieSecure: false }));
    try {
      const surveyId = (
        await createSurvey(app, admin, { definition, minGroupSize: 5, delivery: 'email', reminderAfterDays: 1 })
      ).id;
      await openWaveJob(app.db, app.keys, org.id, surveyId, { publicUrl: 'https://quorum.test', emailEnabled: true });
      await reader.client.query('delete from mail_outbox');
      const old = await holdOldSnapshot();
      const reminding = remindNonResponders(app.db, app.keys, org.id, surveyId, 'https://quorum.test', {
        onlyIfDue: false,
        emailEnabled: true,
      });
      // The reminder has committed (its mail is queued) and now waits to settle.
      await expect
        .poll(async () => (await reader.client.query(`select count(*)::int as n from mail_outbox`)).rows[0].n, {
          timeout: 10_000,
        })
        .toBeGreaterThan(0);
      const before = sink.messages.length;
      let unsettledWhenMailed: number | null = null;
      const draining = runScheduledWork({
        db: other.db,
        keys: other.keys,
        publicUrl: 'https://quorum.test',
        send: async (message) => {
          unsettledWhenMailed ??=
            (await unhintedTuples(reader, 'invitations')) + (await deadVersions(reader, 'invitations'));
          await sender.send(message);
        },
        log: other.log,
      });
      await new Promise((r) => setTimeout(r, 400));
      expect(sink.messages.length).toBe(before);
      await old.release();
      await reminding;
      const { sent } = await draining;
      expect(sent).toBeGreaterThan(10);
      expect(unsettledWhenMailed).toBe(0);
    } finally {
      await other.close();
    }
  });
});
