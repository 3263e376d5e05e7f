import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { bearer, buildOrganization, tokenFor } from '../helpers/factories.ts';
import { declareDimensions, importCsv } from '../helpers/roster.ts';
import { answersFor, createSurvey, openWave, startSession, submit, tokenOfLink } from '../helpers/surveys.ts';
import { report } from '../helpers/reports.ts';
import { snapshotAttributes } from '../../src/invitations/service.ts';
import { generalise, OTHER } from '../../src/anonymity/generalise.ts';
import { NOT_REPORTED } from '../../src/reports/tables.ts';

// Names a plain-object lookup would find on Object.prototype even when the roster never set them.
const PROTOTYPE_NAMES = [...Object.getOwnPropertyNames(Object.prototype), '__proto__'];
const PEOPLE = 80;
// Values the reports themselves use as markers; a roster value equal to one legitimately reads differently.
const RESERVED = new Set([OTHER, NOT_REPORTED]);

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ config: { releaseBatchSize: 1000 } });
});
afterAll(() => t.close());

interface Roster {
  keys: [string, string];
  /** Per person, per dimension: a value, or null for an empty cell. */
  values: Array<[string | null, string | null]>;
}

const csvCell = (s: string) => `"${s.replaceAll('"', '""')}"`;

function toCsv(roster: Roster): string {
  const lines = [['external_id', ...roster.keys].join(',')];
  roster.values.forEach((row, i) => lines.push([`E${i}`, ...row.map((v) => (v === null ? '' : csvCell(v)))].join(',')));
  return `${lines.join('\n')}\n`;
}

/** The same roster under names nothing could confuse with a built-in, in the same sort order. */
function ordinary(roster: Roster): { roster: Roster; name: (s: string) => string } {
  const rename = (all: string[], prefix: string) => {
    const sorted = [...new Set(all)].sort();
    return new Map(sorted.map((s, i) => [s, `${prefix}${String(i).padStart(3, '0')}`]));
  };
  const keyNames = rename(roster.keys, 'd');
  const valueNames = rename(
    roster.values.flat().filter((v): v is string => v !== null),
    'v',
  );
  const back = new Map([...keyNames, ...valueNames].map(([from, to]) => [to, from]));
  return {
    roster: {
      keys: roster.keys.map((k) => keyNames.get(k)!) as [string, string],
      values: roster.values.map((row) => row.map((v) => (v === null ? null : valueNames.get(v)!)) as [string, string]),
    },
    name: (s) => s.replace(/[dv]\d{3}/g, (m) => back.get(m) ?? m),
  };
}

type Reports = Record<string, { status: number; body: unknown }>;

/** Roster import → wave → three invitees in four answer → close → every report, JSON and CSV. */
async function runSurvey(roster: Roster): Promise<Reports> {
  const org = await buildOrganization(t.app);
  const owner = await tokenFor(t.app, org, 'owner');
  await declareDimensions(
    t.app,
    owner,
    roster.keys.map((key) => ({ key, reportable: true })),
  );
  const imported = await importCsv(t.app, owner, toCsv(roster));
  expect(imported.statusCode, imported.body).toBe(200);
  const patched = await t.app.inject({
    method: 'PATCH',
    url: '/v1/organization',
    headers: bearer(owner),
    payload: { reportablePairs: [roster.keys] },
  });
  expect(patched.statusCode, patched.body).toBe(200);
  const survey = await createSurvey(t.app, owner, { template: 'engagement' });
  const { invitations } = await openWave(t.app, owner, survey.id);
  // Everyone gives the same answers: generalising moves randomly chosen people between groups of
  // the same size, so only then are both twins' metrics comparable, group by group.
  const byId = new Map(invitations.map((i) => [i.externalId, i]));
  // Three in four answer: a group where fewer than k did not respond is withheld (SPEC P7), and
  // the twins compare groups that are shown.
  for (let i = 0; i < PEOPLE; i++) {
    if (i % 4 === 1) continue;
    const session = (await startSession(t.app, tokenOfLink(byId.get(`E${i}`)!.link))).json();
    expect((await submit(t.app, session.sessionToken, answersFor(session.survey.questions))).statusCode).toBe(201);
  }
  const closed = await t.app.inject({ method: 'POST', url: `/v1/surveys/${survey.id}/close`, headers: bearer(owner) });
  expect(closed.statusCode, closed.body).toBe(200);

  const [a, b] = roster.keys;
  const asked: Record<string, [string, Record<string, string>]> = {
    overview: ['overview', {}],
    breakdownA: ['breakdown', { dimension: a }],
    breakdownB: ['breakdown', { dimension: b }],
    pair: ['breakdown', { dimension: a, by: b }],
    heatmap: ['heatmap', { dimension: a, columns: 'theme' }],
    heatmapQuestions: ['heatmap', { dimension: b, columns: 'question' }],
    trend: ['trend', {}],
    trendA: ['trend', { dimension: a }],
  };
  const out: Reports = {};
  for (const [name, [path, query]] of Object.entries(asked)) {
    const json = await report(t.app, owner, survey.id, path, query);
    out[name] = { status: json.statusCode, body: json.json() };
    const qs = new URLSearchParams(query).toString();
    const csv = await t.app.inject({
      method: 'GET',
      url: `/v1/reports/surveys/${survey.id}/${path}${qs ? `?${qs}` : ''}`,
      headers: { ...bearer(owner), accept: 'text/csv' },
    });
    out[`${name}.csv`] = { status: csv.statusCode, body: csv.body };
  }
  return out;
}

// The export prefixes a cell that a spreadsheet would run as a formula; the twin's names never need it.
const plainCell = (cell: string) => cell.replace(/^'(?=[=+\-@\t\r])/, '');

/** Report bodies with the ordinary names put back, and nothing that differs between two organizations. */
function comparable(reports: Reports, name: (s: string) => string): unknown {
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') return name(node);
    // Groups are compared as a set: their order may follow the names, which differ between the twins.
    if (Array.isArray(node))
      return node
        .map(walk)
        .sort((x, y) => (typeof x === 'object' ? JSON.stringify(x).localeCompare(JSON.stringify(y)) : 0));
    if (node && typeof node === 'object')
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [name(k), walk(v)]));
    return node;
  };
  return Object.fromEntries(
    Object.entries(reports).map(([k, r]) => [
      k,
      {
        status: r.status,
        body:
          typeof r.body === 'string'
            ? (parse(r.body, { bom: true }) as string[][]).map((row) => row.map((c) => name(plainCell(c)))).sort()
            : walk(r.body),
      },
    ]),
  );
}

async function expectSameAsOrdinary(roster: Roster) {
  const odd = await runSurvey(roster);
  for (const [name, r] of Object.entries(odd)) expect(r.status, `${name}: ${JSON.stringify(r.body)}`).toBe(200);
  const plain = ordinary(roster);
  const baseline = await runSurvey(plain.roster);
  expect(comparable(odd, (s) => s)).toEqual(comparable(baseline, plain.name));
  return odd;
}

const oddValue = fc.oneof(
  fc.constantFrom(...PROTOTYPE_NAMES),
  fc
    .string({ minLength: 1, maxLength: 12 })
    .filter((s) => s.trim() === s && s !== '' && !/[\r\n]/.test(s) && !s.includes('\0') && !RESERVED.has(s)),
);
const dimensionKey = fc.oneof(fc.constant('constructor'), fc.stringMatching(/^[a-z][a-z0-9_]{0,11}$/));

const rosterOf = (keys: [string, string], pools: [string[], string[]], seed: number, gapEvery = 5): Roster => ({
  keys,
  values: Array.from({ length: PEOPLE }, (_, i) => {
    // Some leave the first dimension empty: an absent key is where a plain lookup falls through.
    const a = i % gapEvery === gapEvery - 1 ? null : pools[0][(i + seed) % pools[0].length]!;
    const b = pools[1][(i * 7 + seed) % pools[1].length]!;
    return [a, b];
  }),
});

describe('attribute names that shadow Object.prototype', () => {
  it('when a dimension is named constructor and its values are toString, __proto__, valueOf…, then every report answers as for ordinary names', async () => {
    // Six, then three people without a `constructor` value: a group of k, then one under k.
    for (const gapEvery of [5, 10]) {
      const reports = await expectSameAsOrdinary(
        rosterOf(
          ['constructor', 'team'],
          [
            ['toString', '__proto__', 'valueOf'],
            ['hasOwnProperty', 'constructor'],
          ],
          0,
          gapEvery,
        ),
      );
      const groups = (reports.breakdownA!.body as { groups: Array<{ group: string; respondents: number | null }> })
        .groups;
      expect(groups.filter((g) => g.respondents !== null).map((g) => g.group)).toEqual(
        expect.arrayContaining(['toString', '__proto__', 'valueOf']),
      );
    }
  });

  it('when a released row lacks an attribute named constructor, then generalising releases it as none, not as a function', () => {
    const rows = Array.from({ length: 10 }, (_, i) => ({ team: i < 5 ? 'toString' : 'valueOf' }));
    for (const released of generalise(rows, ['constructor', 'team'], 5))
      expect(Object.entries(released)).toEqual([
        ['constructor', null],
        ['team', expect.any(String)],
      ]);
  });

  it('when a participant lacks an attribute named constructor, then the invitation snapshot holds nothing for it', () => {
    expect(snapshotAttributes({ team: 'Support' }, ['constructor', 'team'])).toStrictEqual({ team: 'Support' });
    expect(Object.keys(snapshotAttributes({ ['__proto__']: 'x' } as never, ['__proto__']))).toEqual(['__proto__']);
  });

  it('when dimension keys and values are arbitrary (Object.prototype names included), then no report answers 500 and each matches its ordinary-name twin', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(dimensionKey, { minLength: 2, maxLength: 2 }),
        fc.uniqueArray(oddValue, { minLength: 1, maxLength: 4 }),
        fc.uniqueArray(oddValue, { minLength: 1, maxLength: 3 }),
        fc.nat(10),
        fc.integer({ min: 2, max: 12 }),
        async (keys, first, second, seed, gapEvery) => {
          await expectSameAsOrdinary(rosterOf(keys as [string, string], [first, second], seed, gapEvery));
        },
      ),
      { numRuns: 15 },
    );
  }, 300_000);
});
