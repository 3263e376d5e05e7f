import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { bearer } from '../helpers/factories.ts';
import { departmentLocationOrganization } from '../helpers/roster.ts';
import { answersFor, createSurvey, openWave, startSession, submit, tokenOfLink } from '../helpers/surveys.ts';
import { report } from '../helpers/reports.ts';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ config: { releaseBatchSize: 50 } });
});
afterAll(() => t.close());

type Person = { department: string; location: string; answers: boolean };
type Row = { group: string; respondents: number | null; invited: number | null; responseRate: number | null };

/** A closed wave of a fresh organization whose people are `people`, those with `answers` answering. */
async function wave(people: Person[], k: number) {
  const { owner } = await departmentLocationOrganization(t.app, people);
  const survey = await createSurvey(t.app, owner, { template: 'pulse', minGroupSize: k });
  const { invitations } = await openWave(t.app, owner, survey.id);
  for (const [i, invitation] of invitations.entries()) {
    if (!people[Number(invitation.externalId.slice(1))]!.answers) continue;
    const session = (await startSession(t.app, tokenOfLink(invitation.link))).json();
    expect((await submit(t.app, session.sessionToken, answersFor(session.survey.questions, i))).statusCode).toBe(201);
  }
  await t.app.inject({ method: 'POST', url: `/v1/surveys/${survey.id}/close`, headers: bearer(owner) });
  return { owner, surveyId: survey.id };
}

function csvRows(body: string): Row[] {
  const [header, ...lines] = body
    .replace(/^\uFEFF/, '')
    .trim()
    .split('\n');
  const columns = header!.split(',');
  const num = (v: string | undefined) => (v === undefined || v === '' ? null : Number(v));
  return lines.map((line) => {
    const cells = line.split(',');
    const at = (name: string) => cells[columns.indexOf(name)];
    return {
      group: at('group')!,
      respondents: num(at('respondents')),
      invited: num(at('invited')),
      responseRate: num(at('response_rate')),
    };
  });
}

/**
 * The attacker of issue 13 item 5, as code: every published output of the wave (overview, each
 * breakdown, the trend overall and per dimension, their CSVs) is collected; from each, the
 * non-responders of every group follow directly (invited − respondents, invited recovered from
 * the rate where only the rate shows, or read from the roster the reader holds) or, for the groups a breakdown withholds, by subtracting the
 * groups it shows from any total. Returns every non-responder count so learned.
 */
async function learnedNonResponders(owner: string, surveyId: string, people: Person[]) {
  const csv = async (path: string, query: Record<string, string> = {}) => {
    const qs = new URLSearchParams(query).toString();
    const response = await t.app.inject({
      method: 'GET',
      url: `/v1/reports/surveys/${surveyId}/${path}${qs ? `?${qs}` : ''}`,
      headers: { ...bearer(owner), accept: 'text/csv' },
    });
    return csvRows(response.body);
  };
  const json = async (path: string, query: Record<string, string> = {}) =>
    (await report(t.app, owner, surveyId, path, query)).json();

  const totals: Row[] = [(await json('overview')).report, ...(await csv('overview'))];
  for (const point of await json('trend')) totals.push(...point.groups);
  const breakdowns: Row[][] = [];
  for (const dimension of ['department', 'location']) {
    breakdowns.push((await json('breakdown', { dimension })).groups);
    breakdowns.push(await csv('breakdown', { dimension }));
    for (const point of await json('trend', { dimension })) breakdowns.push(point.groups);
  }

  // The reader holds the roster (SPEC T1): a group's invited count needs no output at all.
  const roster = (group: string): number | null =>
    group === '(all)'
      ? people.length
      : people.some((p) => p.department === group || p.location === group)
        ? people.filter((p) => p.department === group || p.location === group).length
        : null;
  const direct = (r: Row): number | null => {
    if (r.respondents === null) return null;
    const invited =
      r.invited ?? (r.responseRate ? Math.round(r.respondents / r.responseRate) : null) ?? roster(r.group);
    return invited === null ? null : invited - r.respondents;
  };
  const learned: Array<{ what: string; nonResponders: number }> = [];
  for (const r of [...totals, ...breakdowns.flat()]) {
    const nr = direct(r);
    if (nr !== null) learned.push({ what: `${r.group}: ${r.respondents} of ${r.invited}`, nonResponders: nr });
  }
  for (const total of totals) {
    const totalNr = direct(total);
    if (totalNr === null) continue;
    for (const groups of breakdowns) {
      const withheld = groups.filter((g) => direct(g) === null);
      if (!withheld.length) continue;
      // Where some respondents were released without their value, a roster count overstates the
      // shown groups' non-responders: the remainder is then only a lower bound, which tells nothing.
      if (groups.some((g) => g.group === 'other' || g.group === '(not reported)')) continue;
      const remainder = totalNr - groups.reduce((s, g) => s + (direct(g) ?? 0), 0);
      learned.push({ what: `total − shown = ${withheld.map((g) => g.group).join(' + ')}`, nonResponders: remainder });
    }
  }
  return { learned, totals, breakdowns };
}

describe('response rates (SPEC P7, issue 13 item 5)', () => {
  it('when all 8 invited of Legal respond, then no output tells that every one of them did (8 of 8)', async () => {
    const k = 5;
    const people: Person[] = [
      ...Array.from({ length: 20 }, (_, i) => ({ department: 'Support', location: 'Seoul', answers: i < 10 })),
      ...Array.from({ length: 8 }, () => ({ department: 'Legal', location: 'Seoul', answers: true })),
      ...Array.from({ length: 12 }, (_, i) => ({ department: 'Sales', location: 'Busan', answers: i < 6 })),
    ];
    const { owner, surveyId } = await wave(people, k);
    const { learned, breakdowns } = await learnedNonResponders(owner, surveyId, people);
    // With the roster, Legal's respondents alone would say 8 of 8: they are withheld, and so is a
    // complement, so that the total minus the groups shown does not give them back.
    const groups = breakdowns[0]!;
    expect(groups.find((g) => g.group === 'Legal')).toMatchObject({
      respondents: null,
      invited: null,
      responseRate: null,
    });
    expect(groups.filter((g) => g.respondents === null).length).toBeGreaterThanOrEqual(2);
    const support = groups.find((g) => g.respondents !== null)!;
    expect(support.responseRate).toBe(0.5);
    for (const { what, nonResponders } of learned) expect(nonResponders, what).toBeGreaterThanOrEqual(k);
    // Across dimensions: Support and Legal are all of Seoul, so Seoul − Support would be Legal.
    const seoul = breakdowns.find((b) => b.some((g) => g.group === 'Seoul'))!.find((g) => g.group === 'Seoul')!;
    const seoulNr = seoul.invited === null ? null : seoul.invited - seoul.respondents!;
    if (seoulNr !== null && support.invited !== null)
      expect(seoulNr - (support.invited - support.respondents!), 'Seoul − shown').toBeGreaterThanOrEqual(k);
  });

  it('when HR revokes five invitations and everyone else of their group answers, then the group does not show that everyone who could answer did (audit of issue 15)', async () => {
    const k = 5;
    const people: Person[] = [
      ...Array.from({ length: 20 }, () => ({ department: 'Support', location: 'Seoul', answers: true })),
      ...Array.from({ length: 20 }, (_, i) => ({ department: 'Sales', location: 'Busan', answers: i < 10 })),
    ];
    const { owner } = await departmentLocationOrganization(t.app, people);
    const survey = await createSurvey(t.app, owner, { template: 'pulse', minGroupSize: k });
    const { invitations } = await openWave(t.app, owner, survey.id);
    // A sync without five chosen Support people revokes their invitations: HR knows exactly whom.
    const kept = people
      .map((p, i) => ({ externalId: `P${i}`, attributes: { department: p.department, location: p.location } }))
      .filter((_p, i) => i >= 5);
    const synced = await t.app.inject({
      method: 'POST',
      url: '/v1/roster/import?mode=sync',
      headers: bearer(owner),
      payload: kept,
    });
    expect(synced.statusCode, synced.body).toBe(200);
    for (const [i, invitation] of invitations.entries()) {
      const index = Number(invitation.externalId.slice(1));
      if (index < 5 || !people[index]!.answers) continue;
      const session = (await startSession(t.app, tokenOfLink(invitation.link))).json();
      expect((await submit(t.app, session.sessionToken, answersFor(session.survey.questions, i))).statusCode).toBe(201);
    }
    await t.app.inject({ method: 'POST', url: `/v1/surveys/${survey.id}/close`, headers: bearer(owner) });

    const overview = (await report(t.app, owner, survey.id, 'overview')).json();
    expect(overview.caveats.revokedInvitations).toBe(5);
    const groups = (await report(t.app, owner, survey.id, 'breakdown', { dimension: 'department' })).json()
      .groups as Row[];
    // Support: 15 answered of the 15 HR left able to answer. "15 of 20" would say so to HR.
    expect(groups.find((g) => g.group === 'Support')).toMatchObject({
      respondents: null,
      invited: null,
      responseRate: null,
    });
    // Whatever is published, the non-responders HR cannot explain (left able to answer, did not)
    // reach k in every group and the total, the revoked five left out.
    const answerable = (group: string) =>
      people.filter((p, i) => i >= 5 && (group === '(all)' || p.department === group || p.location === group)).length;
    const { learned } = await learnedNonResponders(owner, survey.id, people);
    for (const { what } of learned) {
      const group = what.split(':')[0]!;
      if (group.startsWith('total')) continue;
      const shown = [...groups, overview.report as Row].find(
        (g) => g.group === group || (group === '(all)' && !('group' in g)),
      );
      if (!shown || shown.respondents === null) continue;
      expect(answerable(group) - shown.respondents, what).toBeGreaterThanOrEqual(k);
    }
  });

  it('when everyone invited responds, then the total shows no respondents, invited count or rate (the roster would give the rest)', async () => {
    const k = 3;
    const people: Person[] = Array.from({ length: 12 }, (_, i) => ({
      department: i < 6 ? 'Support' : 'Sales',
      location: 'Seoul',
      answers: true,
    }));
    const { owner, surveyId } = await wave(people, k);
    const { learned, totals } = await learnedNonResponders(owner, surveyId, people);
    expect(totals[0]).toMatchObject({ respondents: null, invited: null, responseRate: null });
    for (const { what, nonResponders } of learned) expect(nonResponders, what).toBeGreaterThanOrEqual(k);
  });

  it('when an attacker combines every output of random waves, then no group shows fewer than k non-responders, nor none', async () => {
    const DEPARTMENTS = ['Support', 'Sales', 'Legal', 'Ops'];
    const LOCATIONS = ['Seoul', 'Busan'];
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            department: fc.constantFrom(...DEPARTMENTS),
            location: fc.constantFrom(...LOCATIONS),
            answers: fc.boolean(),
          }),
          { minLength: 12, maxLength: 40 },
        ),
        fc.integer({ min: 3, max: 5 }),
        async (people, k) => {
          const { owner, surveyId } = await wave(people, k);
          const { learned } = await learnedNonResponders(owner, surveyId, people);
          for (const { what, nonResponders } of learned) expect(nonResponders, what).toBeGreaterThanOrEqual(k);
        },
      ),
      { numRuns: 12, seed: 1313 },
    );
  }, 180_000);
});
