import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { bearer, buildOrganization, tokenFor, type TestOrg } from '../helpers/factories.ts';
import { addRosterPeople, declareDimensions } from '../helpers/roster.ts';
import { answerByLink, answersFor, createSurvey, openWave, submit } from '../helpers/surveys.ts';
import { publishedCounts, report } from '../helpers/reports.ts';
import { attack } from '../helpers/lp-attacker.ts';
import { linkIn, recipient, startMailSink } from '../helpers/smtp.ts';
import { runScheduledWork } from '../../src/delivery/scheduler.ts';
import { smtpSender } from '../../src/delivery/transport.ts';

/**
 * Issue 13, roster stuffing, as code. The target is the only person in location "Annex"; HR wants
 * their answers. It makes the Annex cells reach k with tokens it holds itself, answers with them,
 * and would subtract its own answers from what the report publishes.
 */
const K = 5;
let t: TestApp;
let sink: Awaited<ReturnType<typeof startMailSink>>;
let sender: ReturnType<typeof smtpSender>;

beforeAll(async () => {
  sink = await startMailSink();
  // One release at close (the reports tests' batch size): the mixer keeps Annex as itself when
  // five responses carry it, which is what the attacker counts on.
  t = await buildTestApp({ config: { smtpUrl: sink.url, releaseBatchSize: 50 } });
  sender = smtpSender(sink.url, 'Quorum <quorum@quorum.test>');
});
afterAll(async () => {
  await t.close();
  await sink.stop();
});

/**
 * 44 people in Seoul and Busan, and the target alone in Annex; everyone has an e-mail address.
 * Per cell: invited, and how many of them answer. At least k in every group do not answer: where
 * fewer than k did not respond, a group is withheld anyway (P7), which would hide what is tested.
 */
const ROSTER: Array<[string, string, number, number]> = [
  ['Support', 'Seoul', 12, 6],
  ['Sales', 'Seoul', 11, 5],
  ['Support', 'Busan', 11, 6],
  ['Sales', 'Busan', 10, 5],
  ['Support', 'Annex', 1, 1],
];
const INVITED = ROSTER.reduce((s, [, , n]) => s + n, 0);
/** Whether the roster person behind an external id (or an address) answers. */
const answers = (id: string) => {
  const [department, location, i] = id.replace(/@.*/, '').split(/[-.]/);
  const cell = ROSTER.find(
    ([d, l]) => d.toLowerCase() === department!.toLowerCase() && l.toLowerCase() === location!.toLowerCase(),
  );
  return cell !== undefined && Number(i) < cell[3];
};

async function organization(): Promise<{ org: TestOrg; owner: string }> {
  const org = await buildOrganization(t.app, { minGroupSize: 3 });
  const owner = await tokenFor(t.app, org, 'owner');
  await declareDimensions(t.app, owner, [
    { key: 'department', reportable: true },
    { key: 'location', reportable: true },
  ]);
  const pairs = await t.app.inject({
    method: 'PATCH',
    url: '/v1/organization',
    headers: bearer(owner),
    payload: { reportablePairs: [['department', 'location']] },
  });
  expect(pairs.statusCode, pairs.body).toBe(200);
  const rows = ROSTER.flatMap(([department, location, n]) =>
    Array.from({ length: n }, (_, i) => ({
      externalId: `${department}-${location}-${i}`,
      email: `${department}.${location}.${i}@${org.slug}.test`.toLowerCase(),
      attributes: { department, location },
    })),
  );
  const imported = await t.app.inject({
    method: 'POST',
    url: '/v1/roster/import',
    headers: bearer(owner),
    payload: rows,
  });
  expect(imported.statusCode, imported.body).toBe(200);
  return { org, owner };
}

/** Sends the outbox and returns the links the service mailed (HR never sees them), with their recipients. */
async function mailedLinks(org: TestOrg): Promise<Array<{ to: string; link: string }>> {
  sink.messages.length = 0;
  await runScheduledWork({
    db: t.app.db,
    keys: t.app.keys,
    publicUrl: 'https://quorum.test',
    send: sender.send,
    log: t.app.log,
    released: () => undefined,
  });
  return sink.messages
    .filter((m) => recipient(m).endsWith(`@${org.slug}.test`))
    .map((m) => ({ to: recipient(m), link: linkIn(m) }));
}

async function answerByCode(org: TestOrg, code: string, seed: number) {
  const session = await t.app.inject({
    method: 'POST',
    url: '/v1/respond/code',
    payload: { organization: org.slug, code },
    remoteAddress: `10.9.${seed}.1`,
  });
  expect(session.statusCode, session.body).toBe(200);
  const { sessionToken, survey } = session.json();
  return submit(t.app, sessionToken, answersFor(survey.questions, seed));
}

type Group = { group: string; suppressed: boolean; respondents: number | null };

/**
 * Everything HR can read of the respondents family, as one integer program (test/helpers/lp-attacker.ts):
 * unknowns are the department × location cells, bounded by the invitations HR knows of. Every
 * hidden cell must keep an interval at least min(k, its invitations) wide.
 */
async function attackerIntervals(owner: string, surveyId: string, invited: Map<string, number>) {
  const overview = (await report(t.app, owner, surveyId, 'overview')).json();
  const byDepartment = (await report(t.app, owner, surveyId, 'breakdown', { dimension: 'department' })).json();
  const byLocation = (await report(t.app, owner, surveyId, 'breakdown', { dimension: 'location' })).json();
  const pair = (await report(t.app, owner, surveyId, 'breakdown', { dimension: 'department', by: 'location' })).json();
  for (const body of [overview, byDepartment, byLocation, pair])
    for (const n of publishedCounts(body)) expect(n).toBeGreaterThanOrEqual(K);
  const cells = pair.groups as Group[];
  const unknowns = cells.map((g) => ({ id: g.group, upper: invited.get(g.group) ?? Infinity }));
  const published: Array<{ ids: string[]; total: number }> = [];
  const targets: Array<{ id: string; ids: string[] }> = [];
  const add = (id: string, ids: string[], g: Group) =>
    g.suppressed ? targets.push({ id, ids }) : published.push({ ids, total: g.respondents! });
  add(
    '(all)',
    unknowns.map((u) => u.id),
    overview.report,
  );
  for (const g of cells) add(g.group, [g.group], g);
  for (const [body, position] of [
    [byDepartment, 0],
    [byLocation, 1],
  ] as const)
    for (const g of body.groups as Group[])
      add(
        `${g.group} (${position})`,
        unknowns.filter((u) => u.id.split(' × ')[position] === g.group).map((u) => u.id),
        g,
      );
  const intervals = await attack(unknowns, published, targets);
  for (const target of targets) {
    const [lo, hi] = intervals.get(target.id)!;
    const upper = target.ids.reduce((s, id) => s + (invited.get(id) ?? Infinity), 0);
    expect(hi - lo, `${target.id} narrowed to [${lo}, ${hi}]`).toBeGreaterThanOrEqual(Math.min(K, upper));
  }
  return { byLocation: byLocation.groups as Group[], pair: cells, overview };
}

const invitedCells = (extra: Record<string, number> = {}) => {
  const cells = new Map(ROSTER.map(([d, l, n]) => [`${d} × ${l}`, n]));
  for (const [cell, n] of Object.entries(extra)) cells.set(cell, (cells.get(cell) ?? 0) + n);
  return cells;
};

describe('roster stuffing (issue 13)', () => {
  it('P2 when HR adds k-1 people beside a lone colleague during a survey and answers with their links, then the colleague\u2019s cells are withheld and stay unrecoverable', async () => {
    // In an e-mail survey, people without an address get no link at all (issue 14): roster
    // additions only help HR where it receives named links, a download survey. The colleague
    // answers with their own link, which HR holds too but, on the roster before, is no addition.
    const { owner } = await organization();
    const survey = await createSurvey(t.app, owner, { template: 'pulse', minGroupSize: K, delivery: 'download' });
    await openWave(t.app, owner, survey.id);
    // k-1 people who will "answer", and k who never do, so that Annex has k non-responders (P7).
    await addRosterPeople(t.app, owner, 2 * K - 1, { department: 'Support', location: 'Annex' }, 'stuffed-');
    const second = await openWave(t.app, owner, survey.id);
    expect(second.invitations).toHaveLength(INVITED + 2 * K - 1);
    for (const [i, invitation] of second.invitations.entries())
      if (answers(invitation.externalId)) expect((await answerByLink(t.app, invitation.link, i)).statusCode).toBe(201);
    const stuffed = second.invitations.filter((i) => i.externalId.startsWith('stuffed-'));
    for (const [i, held] of stuffed.slice(0, K - 1).entries())
      expect((await answerByLink(t.app, held.link, 100 + i)).statusCode).toBe(201);
    await t.app.inject({ method: 'POST', url: `/v1/surveys/${survey.id}/close`, headers: bearer(owner) });

    const { byLocation, pair, overview } = await attackerIntervals(
      owner,
      survey.id,
      invitedCells({ 'Support × Annex': 2 * K - 1 }),
    );
    expect(byLocation.find((g) => g.group === 'Annex')).toMatchObject({ suppressed: true, respondents: null });
    expect(pair.find((g) => g.group === 'Support × Annex')).toMatchObject({ suppressed: true, respondents: null });
    expect(overview.caveats).toMatchObject({
      poolCodes: 0,
      hrHeldLinks: INVITED + 2 * K - 1,
      rosterAdditions: 2 * K - 1,
    });
    const first = (await report(t.app, owner, survey.id, 'overview', { wave: 1 })).json();
    expect(first.caveats).toMatchObject({ poolCodes: 0, hrHeldLinks: INVITED, rosterAdditions: 0 });
  });

  it('P7 when an e-mail survey meets people without an address, then HR receives no link for them', async () => {
    const { org, owner } = await organization();
    const survey = await createSurvey(t.app, owner, { template: 'pulse', minGroupSize: K, delivery: 'email' });
    await openWave(t.app, owner, survey.id);
    expect(await mailedLinks(org)).toHaveLength(INVITED);
    await addRosterPeople(t.app, owner, 2 * K - 1, { department: 'Support', location: 'Annex' }, 'stuffed-');
    const second = await openWave(t.app, owner, survey.id);
    expect(second.invitations).toEqual([]);
    expect(second).toMatchObject({ withoutInvitation: 2 * K - 1 });
  });

  it('P2 when HR asks for k-1 kiosk codes for a lone colleague’s segment, then it is refused; a pool within the cap still gets the colleague’s cells withheld', async () => {
    // A download survey: HR holds every link, yet a pool is the cheaper way in.
    const { org, owner } = await organization();
    const survey = await createSurvey(t.app, owner, { template: 'pulse', minGroupSize: K });
    const { invitations } = await openWave(t.app, owner, survey.id);
    const ask = (count = K - 1) =>
      t.app.inject({
        method: 'POST',
        url: `/v1/surveys/${survey.id}/code-pools`,
        headers: bearer(owner),
        payload: { count, segment: { department: 'Support', location: 'Annex' } },
      });
    const refused = await ask();
    expect(refused.statusCode, refused.body).toBe(409);
    expect(refused.json()).toMatchObject({ code: 'code-pool-too-large', available: 0 });

    // To get the codes HR must first put k-1 people in Annex, after the wave opened (logged,
    // and counted in the caveats); then the pool is within the cap.
    // (And k more who never answer, so that Annex has k non-responders: P7 would hide it anyway.)
    await addRosterPeople(t.app, owner, 2 * K - 1, { department: 'Support', location: 'Annex' }, 'kiosk-');
    const pool = await ask(2 * K - 1);
    expect(pool.statusCode, pool.body).toBe(201);
    for (const [i, invitation] of invitations.entries())
      if (answers(invitation.externalId)) expect((await answerByLink(t.app, invitation.link, i)).statusCode).toBe(201);
    for (const [i, { code }] of (pool.json().codes as Array<{ code: string }>).slice(0, K - 1).entries())
      expect((await answerByCode(org, code, 100 + i)).statusCode).toBe(201);
    await t.app.inject({ method: 'POST', url: `/v1/surveys/${survey.id}/close`, headers: bearer(owner) });

    const { byLocation, pair, overview } = await attackerIntervals(
      owner,
      survey.id,
      invitedCells({ 'Support × Annex': 2 * K - 1 }),
    );
    expect(byLocation.find((g) => g.group === 'Annex')).toMatchObject({ suppressed: true, respondents: null });
    expect(pair.find((g) => g.group === 'Support × Annex')).toMatchObject({ suppressed: true, respondents: null });
    expect(overview.caveats).toMatchObject({ poolCodes: 2 * K - 1, hrHeldLinks: INVITED, rosterAdditions: 0 });
  });

  // Found by an outside attack: a pool of 5 beside 20 people who all answered published "20 of 25";
  // HR, who never handed the codes out, read "everyone answered".
  it('P7 when a code pool is never handed out, then its codes do not pass for non-responders', async () => {
    const { owner } = await organization();
    const survey = await createSurvey(t.app, owner, { template: 'pulse', minGroupSize: K });
    const { invitations } = await openWave(t.app, owner, survey.id);
    await addRosterPeople(t.app, owner, K, { department: 'Sales', location: 'Busan' }, 'late-');
    const pool = await t.app.inject({
      method: 'POST',
      url: `/v1/surveys/${survey.id}/code-pools`,
      headers: bearer(owner),
      payload: { count: K, segment: { department: 'Sales', location: 'Busan' } },
    });
    expect(pool.statusCode, pool.body).toBe(201);
    // Everyone of Sales × Busan answers by link; the pool stays in HR's drawer.
    for (const [i, invitation] of invitations.entries())
      if (invitation.externalId.startsWith('Sales-Busan') || answers(invitation.externalId))
        expect((await answerByLink(t.app, invitation.link, i)).statusCode).toBe(201);
    await t.app.inject({ method: 'POST', url: `/v1/surveys/${survey.id}/close`, headers: bearer(owner) });
    const pair = (
      await report(t.app, owner, survey.id, 'breakdown', { dimension: 'department', by: 'location' })
    ).json();
    expect((pair.groups as Group[]).find((g) => g.group === 'Sales × Busan')).toMatchObject({
      suppressed: true,
      respondents: null,
    });
  });

  it('P2 when a segment is reached only by kiosk codes, then it is still reported', async () => {
    const { org, owner } = await organization();
    const survey = await createSurvey(t.app, owner, { template: 'pulse', minGroupSize: K });
    const { invitations } = await openWave(t.app, owner, survey.id);
    // A depot whose staff share one kiosk: on the roster, never given a personal link.
    // Twelve of them, six answer: a group where fewer than k did not respond is withheld (P7).
    await addRosterPeople(t.app, owner, 12, { department: 'Ops', location: 'Depot' }, 'depot-');
    const pool = await t.app.inject({
      method: 'POST',
      url: `/v1/surveys/${survey.id}/code-pools`,
      headers: bearer(owner),
      payload: { count: 12, segment: { department: 'Ops', location: 'Depot' } },
    });
    expect(pool.statusCode, pool.body).toBe(201);
    for (const [i, invitation] of invitations.entries())
      if (!invitation.externalId.includes('Annex') && answers(invitation.externalId))
        expect((await answerByLink(t.app, invitation.link, i)).statusCode).toBe(201);
    for (const [i, { code }] of (pool.json().codes as Array<{ code: string }>).slice(0, 6).entries())
      expect((await answerByCode(org, code, 100 + i)).statusCode).toBe(201);
    await t.app.inject({ method: 'POST', url: `/v1/surveys/${survey.id}/close`, headers: bearer(owner) });

    const byLocation = (await report(t.app, owner, survey.id, 'breakdown', { dimension: 'location' })).json();
    expect((byLocation.groups as Group[]).find((g) => g.group === 'Depot')).toMatchObject({
      suppressed: false,
      respondents: 6,
    });
  });

  it('P2 when a leaver is imported again during a survey, then their next invitation counts as a roster addition', async () => {
    const { org, owner } = await organization();
    const survey = await createSurvey(t.app, owner, { template: 'pulse', minGroupSize: K });
    await openWave(t.app, owner, survey.id);
    const everyone = await t.app.db
      .selectFrom('participants')
      .select(['external_id', 'attributes'])
      .where('org_id', '=', org.id)
      .execute();
    const row = (p: (typeof everyone)[number]) => ({ externalId: p.external_id, attributes: p.attributes });
    const leaver = everyone.find((p) => p.external_id === 'Sales-Busan-0')!;
    const sync = await t.app.inject({
      method: 'POST',
      url: '/v1/roster/import?mode=sync',
      headers: bearer(owner),
      payload: everyone.filter((p) => p !== leaver).map(row),
    });
    expect(sync.json()).toMatchObject({ deactivated: 1 });
    await t.app.inject({ method: 'POST', url: '/v1/roster/import', headers: bearer(owner), payload: [row(leaver)] });
    const second = await openWave(t.app, owner, survey.id);
    const additions = await t.app.db
      .selectFrom('invitations')
      .innerJoin('participants', (j) =>
        j
          .onRef('participants.org_id', '=', 'invitations.org_id')
          .onRef('participants.id', '=', 'invitations.participant_id'),
      )
      .select('participants.external_id')
      .where('invitations.org_id', '=', org.id)
      .where('invitations.wave_id', '=', second.wave.id)
      .where('invitations.roster_addition', '=', true)
      .execute();
    expect(additions.map((a) => a.external_id)).toEqual(['Sales-Busan-0']);
  });
});
