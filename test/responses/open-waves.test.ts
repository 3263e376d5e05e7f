import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import pg from 'pg';
import path from 'node:path';
import { rename } from 'node:fs/promises';
import { sql } from 'kysely';
import { randomUUID } from 'node:crypto';
import { issueSurveySession, readSurveySession } from '../../src/responses/survey-session.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { bearer, type TestOrg } from '../helpers/factories.ts';
import { importCsv, rosterCsv, rosteredOrganization } from '../helpers/roster.ts';
import { answersFor, createSurvey, openWave, startSession, submit, tokenOfLink } from '../helpers/surveys.ts';

/**
 * Issue 16: a survey fetch of an open wave is answered from the instance's view of the open waves
 * (src/responses/open-waves.ts), read on a clock, without reading the database.
 */
let t: TestApp;
let org: TestOrg;
let admin: string;
const PEOPLE = 12;

beforeAll(async () => {
  t = await buildTestApp();
  ({ org, admin } = await rosteredOrganization(t.app, PEOPLE));
});
afterAll(() => t.close());

async function openedSurvey(minGroupSize = 5) {
  const survey = await createSurvey(t.app, admin, { template: 'pulse', minGroupSize });
  const { wave, invitations } = await openWave(t.app, admin, survey.id);
  const sessions = new Map<string, string>();
  for (const invitation of invitations) {
    const started = await startSession(t.app, tokenOfLink(invitation.link));
    expect(started.statusCode).toBe(200);
    sessions.set(invitation.externalId, started.json().sessionToken as string);
  }
  return { survey, wave, invitations, sessions };
}

const fetchSurvey = (sessionToken: string) =>
  t.app.inject({ method: 'GET', url: '/v1/respond/survey', headers: { authorization: `Bearer ${sessionToken}` } });

/** Runs `work` while another connection holds every table a fetch could read. */
async function whileTablesLocked<T>(work: () => Promise<T>): Promise<T> {
  const blocker = new pg.Client(t.databaseUrl);
  await blocker.connect();
  await blocker.query('begin; lock table invitations, waves, surveys, organizations in access exclusive mode');
  try {
    return await work();
  } finally {
    await blocker.query('rollback');
    await blocker.end();
  }
}

const within = <T>(ms: number, work: Promise<T>) =>
  Promise.race([work, new Promise<'timed out'>((resolve) => setTimeout(() => resolve('timed out'), ms))]);

describe('the survey fetch of an open wave', () => {
  it('when the wave is open, then the survey is fetched while every table it lives in is locked: nothing is read', async () => {
    const { sessions } = await openedSurvey();
    await t.app.openWaves.refresh();
    const fetched = await whileTablesLocked(() => within(2_000, fetchSurvey([...sessions.values()][0]!)));
    expect(fetched === 'timed out' ? fetched : fetched.statusCode).toBe(200);
  });

  it('when the same survey is fetched again, then it is the same JSON, sent as JSON in UTF-8, in every language', async () => {
    const { sessions } = await openedSurvey();
    const session = [...sessions.values()][0]!;
    for (const lang of ['ko', 'pl', 'en']) {
      const [first, again] = [
        await t.app.inject({
          method: 'GET',
          url: `/v1/respond/survey?lang=${lang}`,
          headers: { authorization: `Bearer ${session}` },
        }),
        await t.app.inject({
          method: 'GET',
          url: `/v1/respond/survey?lang=${lang}`,
          headers: { authorization: `Bearer ${session}` },
        }),
      ];
      expect(again.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(again.body).toBe(first.body);
      expect(Number(again.headers['content-length'])).toBe(Buffer.byteLength(again.body));
      expect(again.json().language).toBe(lang);
    }
  });

  it('P7 when the survey is fetched in a language no one of the wave fetched before, then its answer was made ahead on the clock, so the fetch takes no longer (issue 16 audit)', async () => {
    const { sessions } = await openedSurvey();
    await t.app.openWaves.refresh();
    const session = [...sessions.values()][0]!;
    const stringify = vi.spyOn(JSON, 'stringify');
    try {
      for (const lang of ['pl', 'ko', 'en'])
        expect(
          (
            await t.app.inject({
              method: 'GET',
              url: `/v1/respond/survey?lang=${lang}`,
              headers: { authorization: `Bearer ${session}` },
            })
          ).statusCode,
        ).toBe(200);
      // Encoding the survey on a first fetch is what its time showed.
      const encodedNow = stringify.mock.calls.filter(([v]) => typeof v === 'object' && v !== null && 'questions' in v);
      expect(encodedNow).toEqual([]);
    } finally {
      stringify.mockRestore();
    }
  });

  it('when a session names an invitation that does not exist (only the session key could make one), then its submit answers 401, not 409 with a contest counted', async () => {
    const { sessions } = await openedSurvey();
    const session = [...sessions.values()][0]!;
    const { questions } = (await fetchSurvey(session)).json();
    const forged = issueSurveySession(t.app.keys, {
      ...readSurveySession(t.app.keys, session)!,
      invitationId: randomUUID(),
    }).token;
    const refused = await submit(t.app, forged, answersFor(questions));
    expect(refused.statusCode, refused.body).toBe(401);
    expect((await submit(t.app, session, answersFor(questions))).statusCode).toBe(201);
  });

  it("P7 when a wave has had no answer on this instance, then its first submit reads no key: the view's clock read it ahead (issue 16 audit)", async () => {
    const { wave, sessions } = await openedSurvey();
    await t.app.openWaves.refresh();
    const file = path.join(t.app.config.boxKeyDir!, org.id, `${wave.id}.0.key`);
    await rename(file, `${file}.away`);
    try {
      const session = [...sessions.values()][0]!;
      const { questions } = (await fetchSurvey(session)).json();
      // A submit that had to read the key now would fail: it is not there.
      expect((await submit(t.app, session, answersFor(questions))).statusCode).toBe(201);
    } finally {
      await rename(`${file}.away`, file);
    }
  });

  it("P8 when a session names its own invitation but another organization's open wave, then the view does not answer it: the fetch shows the session's own survey, nothing of the other's", async () => {
    const { sessions } = await openedSurvey();
    const other = await rosteredOrganization(t.app, 6, 3);
    const theirs = await createSurvey(t.app, other.admin, { template: 'wellbeing', minGroupSize: 5 });
    const { wave: theirWave } = await openWave(t.app, other.admin, theirs.id);
    await t.app.openWaves.refresh();
    const session = [...sessions.values()][0]!;
    const own = (await fetchSurvey(session)).json();
    const read = readSurveySession(t.app.keys, session)!;
    // Only the session key could seal this (T3); the view must still keep tenants apart.
    const forged = issueSurveySession(t.app.keys, { ...read, submit: { ...read.submit!, waveId: theirWave.id } }).token;
    const fetched = await fetchSurvey(forged);
    expect(fetched.statusCode).toBe(200);
    expect(fetched.json().title).toBe(own.title);
    expect(fetched.body).not.toContain('웰빙');
  });

  it('when HR closes the survey on this instance, then the next fetch answers 410 at once', async () => {
    const { survey, sessions } = await openedSurvey();
    await t.app.openWaves.refresh();
    const session = [...sessions.values()][0]!;
    expect((await fetchSurvey(session)).statusCode).toBe(200);
    const closed = await t.app.inject({
      method: 'POST',
      url: `/v1/surveys/${survey.id}/close`,
      headers: bearer(admin),
    });
    expect(closed.statusCode).toBe(200);
    const after = await fetchSurvey(session);
    expect(after.statusCode).toBe(410);
    expect(after.json().code).toBe('token-expired');
  });

  it("when a roster sync revokes a leaver, then the leaver's next fetch answers 410 at once and everyone else's still works", async () => {
    const { sessions } = await openedSurvey();
    await t.app.openWaves.refresh();
    const [header, leaverLine, ...rest] = rosterCsv(PEOPLE).trim().split('\n');
    const leaver = leaverLine!.split(',')[0]!;
    expect((await fetchSurvey(sessions.get(leaver)!)).statusCode).toBe(200);
    const synced = await importCsv(t.app, admin, [header, ...rest].join('\n') + '\n', 'sync');
    expect(synced.json().revokedInvitations).toBeGreaterThan(0);
    const revoked = await fetchSurvey(sessions.get(leaver)!);
    expect(revoked.statusCode).toBe(410);
    expect(revoked.json().code).toBe('token-revoked');
    const stayer = [...sessions.entries()].find(([externalId]) => externalId !== leaver)![1];
    expect((await fetchSurvey(stayer)).statusCode).toBe(200);
    // Put the leaver back for the tests after this one.
    await importCsv(t.app, admin, rosterCsv(PEOPLE));
  });

  it('when k is raised on the open survey, then the next fetch shows the new k', async () => {
    const { survey, sessions } = await openedSurvey(5);
    await t.app.openWaves.refresh();
    const session = [...sessions.values()][0]!;
    expect((await fetchSurvey(session)).json().minGroupSize).toBe(5);
    const raised = await t.app.inject({
      method: 'PATCH',
      url: `/v1/surveys/${survey.id}`,
      headers: bearer(admin),
      payload: { minGroupSize: 7 },
    });
    expect(raised.statusCode, raised.body).toBe(200);
    expect((await fetchSurvey(session)).json().minGroupSize).toBe(7);
  });

  it('when the view has not read a wave yet, then the fetch reads the database, as before', async () => {
    const { sessions } = await openedSurvey();
    const session = [...sessions.values()][0]!;
    // As right after a start: the view's own read waits behind the lock, and so must the fetch.
    const fetched = await whileTablesLocked(() => {
      t.app.openWaves.forgetAll();
      return within(500, fetchSurvey(session));
    });
    expect(fetched).toBe('timed out');
    await t.app.openWaves.refresh();
    expect((await fetchSurvey(session)).statusCode).toBe(200);
  });

  it("P7 when employees fetch and answer, then the view is read on its clock alone: nobody's fetch fills or refreshes it, so a fetch's timing tells no one of another's", async () => {
    const { wave, sessions } = await openedSurvey();
    // Filled by the clock (and HR's opening), before any employee fetched.
    await t.app.openWaves.refresh();
    expect(t.app.openWaves.get(org.id, wave.id)).toBeDefined();
    const reads = vi.spyOn(t.app.openWaves, 'refresh');
    const forgets = vi.spyOn(t.app.openWaves, 'forget');
    try {
      for (const session of sessions.values()) expect((await fetchSurvey(session)).statusCode).toBe(200);
      const [, session] = [...sessions.entries()][1]!;
      const survey = (await fetchSurvey(session)).json();
      expect((await submit(t.app, session, answersFor(survey.questions))).statusCode).toBe(201);
      // The timer may have run meanwhile; an employee's request never starts a read or a forget.
      expect(forgets).not.toHaveBeenCalled();
      expect(reads.mock.calls.length).toBeLessThanOrEqual(1);
    } finally {
      reads.mockRestore();
      forgets.mockRestore();
    }
  });
});

describe('more open surveys than any cache of the old kind held', () => {
  it('P7 when 1,100 surveys are open, then after a read of the view every open wave is still prepared: its first fetch reads nothing (issue 16 audit: full caches emptied themselves)', async () => {
    const { sessions, survey } = await openedSurvey();
    const others = await Promise.all(Array.from({ length: 3 }, () => openedSurvey()));
    // 1,100 more open surveys with an open wave each, copies of the first, as a busy instance has.
    await sql`
      with s as (
        insert into surveys
        select (jsonb_populate_record(null::surveys, to_jsonb(x) || jsonb_build_object('id', gen_random_uuid()))).*
        from surveys x, generate_series(1, 1100) where x.id = ${survey.id}
        returning id, org_id
      )
      insert into waves select (jsonb_populate_record(null::waves,
        to_jsonb(w) || jsonb_build_object('id', gen_random_uuid(), 'survey_id', s.id))).*
      from s, waves w where w.survey_id = ${survey.id}`.execute(t.app.db);
    await t.app.openWaves.refresh();
    await t.app.openWaves.refresh();
    for (const session of [[...sessions.values()][0]!, ...others.map((o) => [...o.sessions.values()][0]!)]) {
      const fetched = await whileTablesLocked(() => within(1_000, fetchSurvey(session)));
      expect(fetched === 'timed out' ? fetched : fetched.statusCode).toBe(200);
    }
  });
});
