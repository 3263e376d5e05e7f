import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { bearer, randomAddress } from '../helpers/factories.ts';
import { departmentLocationOrganization } from '../helpers/roster.ts';
import { answersFor, createSurvey, openWave, startSession, submit, tokenOfLink } from '../helpers/surveys.ts';
import { report } from '../helpers/reports.ts';
import { contestsOf, flushContests } from '../../src/responses/contests.ts';

/**
 * SPEC P7, issue 14: whoever holds a token learns nothing without spending it. HR holds the links
 * it hands out; the outside attack sorted 110 of 110 participants into answered / not answered by
 * exchanging their links (409 when spent, 200 when not). Now opening looks the same; a submit on a
 * spent token is refused with what to do, and counted, so probing shows.
 */
let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(() => t.close());

const K = 3;

/** A response with what differs per call (fresh session tokens, dates, ids) masked. */
function shape(response: { statusCode: number; headers: Record<string, unknown>; body: string }) {
  const mask = (s: string) =>
    s
      .replace(/"sessionToken":"[^"]+"/g, '"sessionToken":"…"')
      .replace(/"expiresAt":"[^"]+"/g, '"expiresAt":"…"')
      // A cookie's Expires is now + its lifetime, to the second: two opens a second apart differ.
      .replace(/Expires=[^;]+/g, 'Expires=…')
      .replace(/qs_[\w-]+/g, 'qs_…')
      .replace(/[A-Za-z0-9_-]{40,}/g, '…');
  const headers = Object.fromEntries(
    Object.entries(response.headers)
      .filter(([name]) => !['date', 'x-request-id', 'content-length'].includes(name))
      .map(([name, value]) => [name, mask(String(value))]),
  );
  return { status: response.statusCode, headers, body: mask(response.body), length: response.body.length };
}

async function wave() {
  const people = Array.from({ length: 12 }, (_, i) => ({ department: i % 2 ? 'Support' : 'Sales', location: 'Seoul' }));
  const { org, owner } = await departmentLocationOrganization(t.app, people);
  const survey = await createSurvey(t.app, owner, { template: 'pulse', minGroupSize: K });
  const { invitations } = await openWave(t.app, owner, survey.id);
  return { org, owner, surveyId: survey.id, invitations };
}

async function answer(token: string, seed = 0) {
  const session = (await startSession(t.app, token)).json();
  return submit(t.app, session.sessionToken, answersFor(session.survey.questions, seed));
}

describe('P7 a token tells nothing until it is spent', () => {
  it('P7 when a spent and an unspent link, code and page link are opened, then the answers are identical', async () => {
    const { org, invitations } = await wave();
    const [spent, unspent] = [invitations[0]!, invitations[1]!];
    expect((await answer(tokenOfLink(spent.link))).statusCode).toBe(201);
    const pair = async (open: (i: (typeof invitations)[number]) => Promise<Parameters<typeof shape>[0]>) => {
      const a = shape(await open(spent));
      const b = shape(await open(unspent));
      expect(a).toEqual(b);
      return a;
    };
    expect((await pair((i) => startSession(t.app, tokenOfLink(i.link)))).status).toBe(200);
    expect(
      (
        await pair((i) =>
          t.app.inject({
            method: 'POST',
            url: '/v1/respond/code',
            payload: { organization: org.slug, code: i.code },
            remoteAddress: randomAddress(),
          }),
        )
      ).status,
    ).toBe(200);
    const page = await pair((i) =>
      t.app.inject({ method: 'GET', url: `/s/${tokenOfLink(i.link)}`, remoteAddress: randomAddress() }),
    );
    expect(page.status).toBe(303);
    // And the survey page behind the cookie of each.
    const survey = async (i: (typeof invitations)[number]) => {
      const opened = await t.app.inject({
        method: 'GET',
        url: `/s/${tokenOfLink(i.link)}`,
        remoteAddress: randomAddress(),
      });
      const cookie = String(opened.headers['set-cookie']).split(';')[0]!;
      return t.app.inject({ method: 'GET', url: '/survey', headers: { cookie }, remoteAddress: randomAddress() });
    };
    const a = shape(await survey(spent));
    const b = shape(await survey(unspent));
    expect(a.status).toBe(200);
    // The form's one-time submission id differs per rendering; nothing else may.
    const form = (s: ReturnType<typeof shape>) => s.body.replace(/name="submission" value="[^"]*"/, '');
    expect(form(a)).toEqual(form(b));
  });

  it('P7 when someone else answers with a link, then its owner is told it was used and what to do, and the wave counts it from k', async () => {
    const { owner, surveyId, invitations } = await wave();
    // HR answers with links it holds (here: the first four), before their owners do.
    for (const [i, invitation] of invitations.slice(0, 4).entries())
      expect((await answer(tokenOfLink(invitation.link), i)).statusCode).toBe(201);
    // The owners come: their links open as usual; sending says it was used.
    for (const invitation of invitations.slice(0, 4)) {
      const refused = await answer(tokenOfLink(invitation.link));
      expect(refused.statusCode).toBe(409);
      expect(refused.json()).toMatchObject({ code: 'already-submitted' });
      expect(refused.json().detail).toMatch(/someone else used your invitation/);
    }
    const open = (await report(t.app, owner, surveyId, 'overview')).json();
    // Not while open (a reader who probed a link could watch its owner come back).
    expect(open.caveats.contestedAtLeast).toBeNull();
    await t.app.inject({ method: 'POST', url: `/v1/surveys/${surveyId}/close`, headers: bearer(owner) });
    const closed = (await report(t.app, owner, surveyId, 'overview')).json();
    expect(closed.caveats.contestedAtLeast).toBe(3);
  });

  it('P7 when fewer than k submits found their invitation used, then no count is shown', async () => {
    const { owner, surveyId, invitations } = await wave();
    expect((await answer(tokenOfLink(invitations[0]!.link))).statusCode).toBe(201);
    expect((await answer(tokenOfLink(invitations[0]!.link))).statusCode).toBe(409);
    await t.app.inject({ method: 'POST', url: `/v1/surveys/${surveyId}/close`, headers: bearer(owner) });
    expect((await report(t.app, owner, surveyId, 'overview')).json().caveats.contestedAtLeast).toBeNull();
  });

  it('P7 when answers came through links HR held, then the closed wave says how many, from k, in steps of k, and only while k of those links went unanswered', async () => {
    const count = async (answered: number) => {
      const { owner, surveyId, invitations } = await wave();
      for (const [i, invitation] of invitations.slice(0, answered).entries())
        expect((await answer(tokenOfLink(invitation.link), i)).statusCode).toBe(201);
      const open = (await report(t.app, owner, surveyId, 'overview')).json();
      expect(open.caveats.heldAnswersAtLeast).toBeNull();
      await t.app.inject({ method: 'POST', url: `/v1/surveys/${surveyId}/close`, headers: bearer(owner) });
      return (await report(t.app, owner, surveyId, 'overview')).json().caveats.heldAnswersAtLeast;
    };
    // 12 links, all held by HR (a download survey).
    expect(await count(7)).toBe(6);
    expect(await count(2)).toBeNull(); // fewer than k answers
    expect(await count(10)).toBeNull(); // fewer than k held links unanswered
  });

  // Found by the issue 14 audit (T1 with T2): the counter was updated in place at each contest, so
  // whoever had spent Bob's link could read in the database the moment Bob came back.
  it('P1 P7 when a used invitation is contested, then the database does not change then; the scheduled write changes every open wave alike', async () => {
    const probed = await wave();
    const quiet = await wave();
    const rows = async () =>
      new Map(
        (await t.app.db.selectFrom('contested_invitations').select(['wave_id', 'sealed']).execute()).map((r) => [
          r.wave_id,
          r.sealed.toString('hex'),
        ]),
      );
    const waveOf = async (surveyId: string) =>
      (await t.app.db.selectFrom('waves').select('id').where('survey_id', '=', surveyId).executeTakeFirstOrThrow()).id;
    await flushContests(t.app.db, t.app.keys);
    const before = await rows();
    expect((await answer(tokenOfLink(probed.invitations[0]!.link))).statusCode).toBe(201);
    expect((await answer(tokenOfLink(probed.invitations[0]!.link))).statusCode).toBe(409);
    expect(await rows()).toEqual(before);
    await flushContests(t.app.db, t.app.keys);
    const after = await rows();
    const [a, b] = [await waveOf(probed.surveyId), await waveOf(quiet.surveyId)];
    // Both rewritten, one length: a reader cannot tell which wave had the contest.
    for (const id of [a, b]) {
      expect(after.get(id)).not.toEqual(before.get(id));
      expect(after.get(id)!.length).toBe(after.get(b)!.length);
    }
    expect(await contestsOf(t.app.db, t.app.keys, probed.org.id, a)).toBe(1);
    expect(await contestsOf(t.app.db, t.app.keys, quiet.org.id, b)).toBe(0);
  });
});
