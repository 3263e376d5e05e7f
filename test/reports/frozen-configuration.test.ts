import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { bearer, login, type TestOrg } from '../helpers/factories.ts';
import { addRosterPeople, departmentLocationOrganization } from '../helpers/roster.ts';
import { answersFor, createSurvey, openWave, startSession, submit, tokenOfLink } from '../helpers/surveys.ts';
import { publishedCounts, report } from '../helpers/reports.ts';

/**
 * SPEC P3: a survey's reporting configuration (dimensions, pairs, comment threshold) is fixed when
 * it opens. The attack of issue 13: read a closed wave's breakdown, change the organization's
 * configuration, read again — two complementary-suppression patterns whose union pins hidden
 * cells by subtraction.
 */

let t: TestApp;
beforeAll(async () => {
  // One release, at close: no batch is drawn at random, so two surveys answered alike release alike.
  t = await buildTestApp({ config: { releaseBatchSize: 1000 } });
});
afterAll(() => t.close());

const K = 3;

/**
 * Every department × location holds at least k people (nothing is generalised away), but few
 * answer the optional comment: the comment counts of the location breakdown need complementary
 * suppression on their own (Gdańsk has one writer), and the declared department × location pair
 * hides more and forces more of the location breakdown hidden with it.
 */
const CELLS: Array<{ department: string; location: string; people: number; writers: number }> = [
  { department: 'Support', location: 'Seoul', people: 4, writers: 2 },
  { department: 'Support', location: 'Busan', people: 3, writers: 3 },
  { department: 'Support', location: 'Gdańsk', people: 3, writers: 0 },
  { department: 'Sales', location: 'Seoul', people: 3, writers: 3 },
  { department: 'Sales', location: 'Busan', people: 3, writers: 1 },
  { department: 'Sales', location: 'Gdańsk', people: 4, writers: 1 },
];
// And k more in each cell who do not answer: with the roster, a group whose every member answered
// would be withheld (SPEC P7), which would hide the very cells these tests compare.
const PEOPLE = CELLS.flatMap((c) =>
  Array.from({ length: c.people + K }, (_, i) => ({
    department: c.department,
    location: c.location,
    answers: i < c.people,
    writes: i < c.writers,
  })),
);

async function patchOrganization(owner: string, payload: Record<string, unknown>) {
  const response = await t.app.inject({ method: 'PATCH', url: '/v1/organization', headers: bearer(owner), payload });
  expect(response.statusCode, response.body).toBe(200);
}

async function putDimensions(owner: string, payload: Array<{ key: string; reportable: boolean }>) {
  const response = await t.app.inject({
    method: 'PUT',
    url: '/v1/roster/dimensions',
    headers: bearer(owner),
    payload,
  });
  expect(response.statusCode, response.body).toBe(200);
}

/** A survey of the roster, opened under the configuration of the moment; those who answer do; closed. */
async function answeredSurvey(owner: string): Promise<string> {
  const survey = await createSurvey(t.app, owner, { template: 'pulse', minGroupSize: K });
  const { invitations } = await openWave(t.app, owner, survey.id);
  expect(invitations).toHaveLength(PEOPLE.length);
  for (const invitation of invitations) {
    const i = Number(invitation.externalId.slice(1));
    if (!PEOPLE[i]!.answers) continue;
    const session = (await startSession(t.app, tokenOfLink(invitation.link))).json();
    const answers = {
      ...answersFor(session.survey.questions, i),
      ...(PEOPLE[i]!.writes ? { share: 'a comment' } : {}),
    };
    expect((await submit(t.app, session.sessionToken, answers)).statusCode).toBe(201);
  }
  const closed = await t.app.inject({ method: 'POST', url: `/v1/surveys/${survey.id}/close`, headers: bearer(owner) });
  expect(closed.statusCode, closed.body).toBe(200);
  return survey.id;
}

async function organization(): Promise<{ org: TestOrg; owner: string; surveyId: string }> {
  const { org, owner } = await departmentLocationOrganization(t.app, PEOPLE, { pair: true });
  return { org, owner, surveyId: await answeredSurvey(owner) };
}

async function csv(token: string, surveyId: string, path: string, query: Record<string, string>) {
  const response = await t.app.inject({
    method: 'GET',
    url: `/v1/reports/surveys/${surveyId}/${path}?${new URLSearchParams(query)}`,
    headers: { ...bearer(token), accept: 'text/csv' },
  });
  return { status: response.statusCode, body: response.body };
}

/** Everything a reader of the survey can read, as JSON and CSV (comment lists sorted: their order is random). */
async function everything(token: string, surveyId: string) {
  const json = async (path: string, query: Record<string, string> = {}) => {
    const response = await report(t.app, token, surveyId, path, query);
    const body = response.json();
    if (Array.isArray(body?.comments)) body.comments.sort();
    return { status: response.statusCode, body };
  };
  return {
    overview: await json('overview'),
    byLocation: await json('breakdown', { dimension: 'location' }),
    byLocationCsv: await csv(token, surveyId, 'breakdown', { dimension: 'location' }),
    byDepartment: await json('breakdown', { dimension: 'department' }),
    pair: await json('breakdown', { dimension: 'department', by: 'location' }),
    pairCsv: await csv(token, surveyId, 'breakdown', { dimension: 'department', by: 'location' }),
    heatmap: await json('heatmap', { dimension: 'location', columns: 'question' }),
    trend: await json('trend', { dimension: 'location' }),
    comments: await json('comments', { question: 'share' }),
    seoulComments: await json('comments', { question: 'share', dimension: 'location', value: 'Seoul' }),
  };
}

type Groups = Array<{
  group: string;
  suppressed: boolean;
  questions: Record<string, { n?: number; suppressed?: true }>;
}>;
/** Which cells of a breakdown (whole groups, or the comment question's count) are hidden. */
const hiddenCells = (groups: Groups) =>
  groups.flatMap((g) => [
    ...(g.suppressed ? [g.group] : []),
    ...(!g.suppressed && g.questions.share?.suppressed ? [`${g.group}/share`] : []),
  ]);

describe('a closed wave read before and after the organization changes its reporting configuration (P3)', () => {
  it('P3 when the fixture is read, then the location breakdown hides comment counts by complementary suppression and the pair is served', async () => {
    const { owner, surveyId } = await organization();
    const read = await everything(owner, surveyId);
    expect(read.byLocation.status).toBe(200);
    const hidden = hiddenCells(read.byLocation.body.groups);
    expect(hidden, 'Gdańsk (one writer) and a complement').toContain('Gdańsk/share');
    expect(hidden.length).toBeGreaterThanOrEqual(2);
    expect(read.pair.status).toBe(200);
    for (const body of Object.values(read))
      if (body.status === 200 && typeof body.body !== 'string')
        for (const n of publishedCounts(body.body)) expect(n).toBeGreaterThanOrEqual(K);
  });

  it('P3 when reportablePairs is emptied after the survey opened, then every report of it reads the same (JSON and CSV)', async () => {
    const { owner, surveyId } = await organization();
    const before = await everything(owner, surveyId);
    await patchOrganization(owner, { reportablePairs: [] });
    const after = await everything(owner, surveyId);
    // The finding itself: the location breakdown, read under the pattern without the pair.
    expect(after.byLocation).toEqual(before.byLocation);
    expect(after.byLocationCsv).toEqual(before.byLocationCsv);
    expect(after).toEqual(before);
    expect(after.pair.status).toBe(200);
  });

  it('P3 when the comment threshold is raised after the survey opened, then its comments and counts read the same', async () => {
    const { owner, surveyId } = await organization();
    const before = await everything(owner, surveyId);
    expect(before.comments.body.suppressed).toBe(false);
    await patchOrganization(owner, { commentMinGroupSize: 50 });
    expect(await everything(owner, surveyId)).toEqual(before);
  });

  it('P3 when location is made non-reportable after the survey opened, then every report of it reads the same (JSON and CSV)', async () => {
    const { owner, surveyId } = await organization();
    const before = await everything(owner, surveyId);
    await putDimensions(owner, [
      { key: 'department', reportable: true },
      { key: 'location', reportable: false },
    ]);
    const after = await everything(owner, surveyId);
    expect(after).toEqual(before);
    expect(after.byLocation.status).toBe(200);
  });

  it('P3 when a new reportable dimension is added after the survey opened, then every report of it reads the same and the new one is refused', async () => {
    const { owner, surveyId } = await organization();
    const before = await everything(owner, surveyId);
    await putDimensions(owner, [
      { key: 'site', reportable: true },
      { key: 'department', reportable: true },
      { key: 'location', reportable: true },
    ]);
    await patchOrganization(owner, {
      reportablePairs: [
        ['site', 'location'],
        ['department', 'location'],
      ],
    });
    expect(await everything(owner, surveyId)).toEqual(before);
    const bySite = await report(t.app, owner, surveyId, 'breakdown', { dimension: 'site' });
    expect(bySite.statusCode).toBe(400);
    expect(bySite.json().errors[0].field).toBe('query.dimension');
  });
});

describe('surveys opened after a change (P3)', () => {
  it('P3 when a survey opens after the pair is dropped, then it reports without the pair while the earlier survey keeps it', async () => {
    const { owner, surveyId: earlier } = await organization();
    await patchOrganization(owner, { reportablePairs: [] });
    const later = await answeredSurvey(owner);

    const get = async (id: string) =>
      (await t.app.inject({ method: 'GET', url: `/v1/surveys/${id}`, headers: bearer(owner) })).json();
    expect((await get(earlier)).reporting).toEqual({
      dimensions: ['department', 'location'],
      pairs: [['department', 'location']],
      commentMinGroupSize: null,
    });
    expect((await get(later)).reporting).toEqual({
      dimensions: ['department', 'location'],
      pairs: [],
      commentMinGroupSize: null,
    });
    const pair = { dimension: 'department', by: 'location' };
    expect((await report(t.app, owner, earlier, 'breakdown', pair)).statusCode).toBe(200);
    expect((await report(t.app, owner, later, 'breakdown', pair)).statusCode).toBe(400);
  });

  it('P3 when a draft is read, then its reporting is null; once opened it is fixed', async () => {
    const { owner } = await departmentLocationOrganization(t.app, PEOPLE);
    const survey = await createSurvey(t.app, owner, { template: 'pulse', minGroupSize: K });
    const get = async () =>
      (await t.app.inject({ method: 'GET', url: `/v1/surveys/${survey.id}`, headers: bearer(owner) })).json();
    expect((await get()).reporting).toBeNull();
    await patchOrganization(owner, { commentMinGroupSize: 10 });
    await openWave(t.app, owner, survey.id);
    const fixed = { dimensions: ['department', 'location'], pairs: [], commentMinGroupSize: 10 };
    expect((await get()).reporting).toEqual(fixed);
    await patchOrganization(owner, { commentMinGroupSize: 20, reportablePairs: [['department', 'location']] });
    await openWave(t.app, owner, survey.id); // a later wave keeps what the first one fixed
    expect((await get()).reporting).toEqual(fixed);
  });
});

describe('snapshots and releases of an open survey after a change (P3)', () => {
  it('P3 when location is made non-reportable while a wave is open, then its answers, its next wave and a code pool made afterwards keep their location', async () => {
    const { org, owner } = await departmentLocationOrganization(t.app, PEOPLE, { pair: true });
    const survey = await createSurvey(t.app, owner, { template: 'pulse', minGroupSize: K });
    const first = await openWave(t.app, owner, survey.id);
    await putDimensions(owner, [
      { key: 'department', reportable: true },
      { key: 'location', reportable: false },
    ]);
    for (const invitation of first.invitations) {
      const session = (await startSession(t.app, tokenOfLink(invitation.link))).json();
      expect((await submit(t.app, session.sessionToken, answersFor(session.survey.questions))).statusCode).toBe(201);
    }
    // Opening wave 2 releases wave 1 (the mixer generalises along the survey's dimensions).
    const second = await openWave(t.app, owner, survey.id);
    // Kiosk staff joining after wave 2 opened: the people the pool may stand for (issue 13's cap).
    await addRosterPeople(t.app, owner, 3, { department: 'Support', location: 'Seoul' });
    const pool = await t.app.inject({
      method: 'POST',
      url: `/v1/surveys/${survey.id}/code-pools`,
      headers: bearer(owner),
      payload: { count: 3, segment: { department: 'Support', location: 'Seoul' } },
    });
    expect(pool.statusCode, pool.body).toBe(201);

    const byLocation = (await report(t.app, owner, survey.id, 'breakdown', { dimension: 'location', wave: 1 })).json();
    expect(byLocation.groups.map((g: { group: string }) => g.group).sort()).toEqual(['Busan', 'Gdańsk', 'Seoul']);
    const snapshots = await t.app.db
      .selectFrom('invitations')
      .select(['participant_id', 'attributes'])
      .where('org_id', '=', org.id)
      .where('wave_id', '=', second.wave.id)
      .execute();
    expect(snapshots).toHaveLength(PEOPLE.length + 3);
    for (const s of snapshots) expect(Object.keys(s.attributes).sort()).toEqual(['department', 'location']);
    expect(snapshots.filter((s) => s.participant_id === null).map((s) => s.attributes)).toEqual(
      Array.from({ length: 3 }, () => ({ department: 'Support', location: 'Seoul' })),
    );
  });
});

describe('scoped readers and the fixed dimensions (P3)', () => {
  it('P3 when an analyst is scoped to a dimension the survey does not report along, then they see nothing of it (no 500)', async () => {
    const { org, owner, surveyId } = await organization();
    await putDimensions(owner, [
      { key: 'department', reportable: true },
      { key: 'location', reportable: true },
      { key: 'site', reportable: true },
    ]);
    const imported = await t.app.inject({
      method: 'POST',
      url: '/v1/roster/import',
      headers: bearer(owner),
      payload: PEOPLE.map((p, i) => ({
        externalId: `P${i}`,
        attributes: { department: p.department, location: p.location, site: 'North' },
      })),
    });
    expect(imported.statusCode, imported.body).toBe(200);
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/accounts',
      headers: bearer(owner),
      payload: { email: 'north@x.example', role: 'analyst', scope: { dimension: 'site', value: 'North' } },
    });
    expect(created.statusCode, created.body).toBe(201);
    const token = (await login(t.app, org, 'north@x.example', created.json().password)).json().token as string;

    const overview = await report(t.app, token, surveyId, 'overview');
    expect(overview.statusCode).toBe(200);
    expect(overview.json().report).toMatchObject({ group: 'North', suppressed: true, respondents: null });
    expect(publishedCounts(overview.json())).toEqual([]);
    for (const [path, query] of [
      ['breakdown', { dimension: 'site' }],
      ['breakdown', { dimension: 'location' }],
      ['breakdown', { dimension: 'department', by: 'location' }],
      ['heatmap', { dimension: 'location', columns: 'question' }],
      ['trend', {}],
      ['trend', { dimension: 'location' }],
      ['comments', { question: 'share' }],
    ] as const) {
      const response = await report(t.app, token, surveyId, path, query);
      expect(response.statusCode, `${path} ${JSON.stringify(query)}: ${response.body}`).toBeLessThan(500);
      if (response.statusCode === 200) {
        expect(publishedCounts(response.json()), `${path} ${JSON.stringify(query)}`).toEqual([]);
        expect(response.json().comments ?? []).toEqual([]);
      }
    }
  });
});
