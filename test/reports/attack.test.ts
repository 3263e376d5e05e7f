import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { bearer } from '../helpers/factories.ts';
import { departmentLocationOrganization } from '../helpers/roster.ts';
import { answersFor, createSurvey, openWave, startSession, submit, tokenOfLink } from '../helpers/surveys.ts';
import { publishedCounts, report } from '../helpers/reports.ts';
import { attack } from '../helpers/lp-attacker.ts';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(() => t.close());

const DEPARTMENTS = ['Support', 'Sales', 'Legal', 'Ops'];
const LOCATIONS = ['Seoul', 'Busan', 'Gdańsk'];

const scenario = fc.record({
  people: fc.array(
    fc.record({
      department: fc.constantFrom(...DEPARTMENTS),
      location: fc.constantFrom(...LOCATIONS),
      answers: fc.boolean(),
      comments: fc.boolean(),
    }),
    { minLength: 12, maxLength: 60 },
  ),
  k: fc.integer({ min: 3, max: 7 }),
  seed: fc.nat(1000),
});

type Stats = { n?: number; distribution?: Record<string, number> };
type Group = {
  group: string;
  suppressed: boolean;
  respondents: number | null;
  questions: Record<string, Stats>;
};
let attackedRuns = 0;

/**
 * The attacker of issue 4, as code: one reader collects every output it can get (overview,
 * both breakdowns, the declared pair) and solves one integer program whose unknowns are the
 * department × location counts. Every hidden group must keep an interval at least k wide
 * (or as wide as the roster allows), and no published number may rest on fewer than k.
 */
const property = async ({
  people,
  k,
  seed,
}: {
  people: Array<{ department: string; location: string; answers: boolean; comments: boolean }>;
  k: number;
  seed: number;
}) => {
  const { owner } = await departmentLocationOrganization(t.app, people, { pair: true });
  const survey = await createSurvey(t.app, owner, { template: 'pulse', minGroupSize: k });
  const { invitations } = await openWave(t.app, owner, survey.id);
  for (const [i, invitation] of invitations.entries()) {
    const person = people[Number(invitation.externalId.slice(1))]!;
    if (!person.answers) continue;
    const session = (await startSession(t.app, tokenOfLink(invitation.link))).json();
    const answers = {
      ...answersFor(session.survey.questions, seed + i),
      // Each text its own, as real comments are: a reader can match them across lists.
      ...(person.comments ? { share: `comment of ${invitation.externalId}` } : {}),
    };
    expect((await submit(t.app, session.sessionToken, answers)).statusCode).toBe(201);
  }
  await t.app.inject({ method: 'POST', url: `/v1/surveys/${survey.id}/close`, headers: bearer(owner) });

  const overview = (await report(t.app, owner, survey.id, 'overview')).json();
  const byDepartment = (await report(t.app, owner, survey.id, 'breakdown', { dimension: 'department' })).json();
  const byLocation = (await report(t.app, owner, survey.id, 'breakdown', { dimension: 'location' })).json();
  const pair = (await report(t.app, owner, survey.id, 'breakdown', { dimension: 'department', by: 'location' })).json();
  const heat = (
    await report(t.app, owner, survey.id, 'heatmap', { dimension: 'department', columns: 'question' })
  ).json();
  const trendAll = (await report(t.app, owner, survey.id, 'trend')).json();
  const trendByLocation = (await report(t.app, owner, survey.id, 'trend', { dimension: 'location' })).json();
  for (const body of [overview, byDepartment, byLocation, pair, heat, trendAll, trendByLocation])
    for (const n of publishedCounts(body)) expect(n).toBeGreaterThanOrEqual(k);
  // Comment lists, whole and per group of each dimension: each is empty or rests on at least k
  // writers, and so does every group of comments the lists' intersections and differences tell
  // apart (P4: a comment's signature is the set of served lists holding it).
  const lists: string[][] = [];
  const read = async (query: Record<string, string>) => {
    const body = (await report(t.app, owner, survey.id, 'comments', { question: 'share', ...query })).json();
    if (!body.suppressed) lists.push(body.comments as string[]);
  };
  await read({});
  for (const [dimension, values] of [
    ['department', DEPARTMENTS],
    ['location', LOCATIONS],
  ] as const)
    for (const value of [...values, 'other', '(not reported)']) await read({ dimension, value });
  for (const list of lists) expect(list.length === 0 || list.length >= k).toBe(true);
  const signatures = new Map<string, number>();
  for (const text of new Set(lists.flat())) {
    const signature = lists.map((l) => (l.includes(text) ? 1 : 0)).join('');
    signatures.set(signature, (signatures.get(signature) ?? 0) + 1);
  }
  for (const [signature, n] of signatures)
    expect(n, `comments held by the lists ${signature} alone: ${n}, with k=${k}`).toBeGreaterThanOrEqual(k);

  // Families of linked tables: respondents, who answered the optional comment, and every value
  // of every distribution (a share times its n is a count: issue 13 item 4).
  type Count = (g: Pick<Group, 'respondents' | 'questions'>) => number | null;
  const families: Array<{ name: string; count: Count; needed: (target: string[]) => number }> = [
    { name: 'respondents', count: (g) => g.respondents, needed: () => k },
    { name: 'share answered', count: (g) => g.questions?.share?.n ?? null, needed: () => k },
  ];
  const totals = overview.report.questions as Record<string, Stats>;
  const invitedIn = (ids: string[]) =>
    people.filter((p) => ids.some((id) => id === `${p.department} × ${p.location}`)).length;
  for (const [question, stats] of Object.entries(totals)) {
    for (const [value, share] of Object.entries(stats.distribution ?? {})) {
      const count: Count = (g) => {
        const q = g.questions?.[question];
        return q?.n === undefined ? null : Math.round(q.distribution![value]! * q.n);
      };
      const total = Math.round(share * stats.n!);
      families.push({
        name: `${question}=${value}`,
        count,
        // As open as the roster and the wave's own total of that value allow, up to k.
        needed: (ids) => Math.min(k, total, invitedIn(ids)),
      });
    }
  }
  for (const { name, count, needed } of families) {
    // Unknowns: one per released (department, location) cell; every output is a sum of them.
    const pairs = pair.groups as Group[];
    const unknowns = pairs.map((g) => ({ id: g.group, upper: Infinity }));
    const published: Array<{ ids: string[]; total: number }> = [];
    const targets: Array<{ id: string; ids: string[] }> = [];
    const add = (id: string, ids: string[], g: Pick<Group, 'suppressed' | 'respondents' | 'questions'>) => {
      const n = g.suppressed ? null : count(g);
      if (n === null) targets.push({ id, ids });
      else published.push({ ids, total: n });
    };
    add(
      '(all)',
      unknowns.map((u) => u.id),
      overview.report,
    );
    for (const g of pairs) add(g.group, [g.group], g);
    for (const [body, position] of [
      [byDepartment, 0],
      [byLocation, 1],
    ] as const) {
      for (const g of body.groups as Group[])
        add(
          `${position === 0 ? 'department' : 'location'} ${g.group}`,
          unknowns.filter((u) => u.id.split(' × ')[position] === g.group).map((u) => u.id),
          g,
        );
    }
    if (targets.length === 0) continue;
    const intervals = await attack(unknowns, published, targets);
    attackedRuns++;
    for (const [id, [lo, hi]] of intervals) {
      const ids = targets.find((target) => target.id === id)!.ids;
      expect(hi - lo, `${name}: ${id} narrowed to [${lo}, ${hi}] with k=${k}`).toBeGreaterThanOrEqual(needed(ids));
    }
  }
};

describe('P3 disclosure control over the real API (fast-check)', () => {
  // A fixed seed keeps CI deterministic (seed 2 also catches complementary suppression switched
  // off); explore new cases locally with QUORUM_FC_SEED=<n>.
  it('when random rosters answer with random k, then no output is under k and no combination of outputs narrows a hidden group below k', async () => {
    attackedRuns = 0;
    await fc.assert(fc.asyncProperty(scenario, property), {
      numRuns: 20,
      seed: Number(process.env.QUORUM_FC_SEED ?? 2),
    });
    expect(attackedRuns, 'runs with hidden groups to attack').toBeGreaterThan(0);
  }, 240_000);

  // Issue 4's cross-breakdown counterexample (fast-check seed 1661213719): the department and
  // location breakdowns, with which combinations exist, pinned how many in one combination
  // answered an optional question while each table was protected on its own. All published
  // tables of a family are now protected jointly; this replays it.
  it('when the counterexample that once leaked is replayed, then every hidden cell keeps an interval of at least k', async () => {
    await fc.assert(fc.asyncProperty(scenario, property), {
      seed: 1661213719,
      path: '13:2:3:9:11:2:0:0:23:2:1:26:3:10',
      endOnFailure: true,
    });
  }, 240_000);
});
