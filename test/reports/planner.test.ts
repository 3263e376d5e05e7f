import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { protect } from '../../src/reports/disclosure.ts';
import { plan, plannedWave, type PlannedWave } from '../../src/reports/planner.ts';
import type { ReportingSettings } from '../../src/reports/context.ts';
import type { GroupCounts } from '../../src/reports/metrics.ts';
import type { SurveyDefinition } from '../../src/surveys/questions.ts';
import { TOTAL } from '../../src/reports/tables.ts';
import { attack } from '../helpers/lp-attacker.ts';

/**
 * The planner alone (issue 13): random released counts and rosters go in, hidden cells come out,
 * and an attacker written apart from the engine reads everything the pattern publishes — every
 * table's respondents, answerers and value counts, every comment list — and tries to narrow what
 * it hides: by integer programming over the counts, by intersecting comment lists, and across the
 * k the survey had. No database: the property runs hundreds of cases in seconds.
 */

const DEPARTMENTS = ['Support', 'Sales', 'Legal', 'Ops'];
const LOCATIONS = ['Seoul', 'Busan', 'Gdańsk'];
const text = { en: 'x' };
const definition: SurveyDefinition = {
  title: text,
  languages: ['en'],
  defaultLanguage: 'en',
  questions: [
    { id: 'load', type: 'likert5', text, required: false },
    { id: 'stay', type: 'yes_no', text, required: true },
    { id: 'share', type: 'text', text, required: false, maxLength: 2000 },
  ],
};
const LIKERT = ['1', '2', '3', '4', '5'];

interface Combo {
  department: string;
  location: string;
  invited: number;
  respondents: number;
  /** Per respondent: likert answer (0 = skipped), yes/no, wrote a comment. */
  answers: Array<{ load: number; stay: boolean; comment: boolean }>;
}

const combo = fc
  .record({
    department: fc.constantFrom(...DEPARTMENTS),
    location: fc.constantFrom(...LOCATIONS),
    extra: fc.nat(8),
    answers: fc.array(fc.record({ load: fc.nat(5), stay: fc.boolean(), comment: fc.boolean() }), { maxLength: 12 }),
  })
  .map(({ extra, answers, ...c }) => ({ ...c, answers, respondents: answers.length, invited: answers.length + extra }));

const scenario = fc.record({
  combos: fc.uniqueArray(combo, { selector: (c) => `${c.department}|${c.location}`, minLength: 2, maxLength: 12 }),
  k: fc.integer({ min: 3, max: 6 }),
  raise: fc.nat(2),
  commentK: fc.integer({ min: 0, max: 8 }),
  pair: fc.boolean(),
});

function countsOf(c: Combo): GroupCounts {
  const questions: GroupCounts['questions'] = new Map();
  const add = (q: string, value: string | null) => {
    const s = questions.get(q) ?? { answered: 0, values: new Map<string, number>() };
    s.answered++;
    if (value !== null) s.values.set(value, (s.values.get(value) ?? 0) + 1);
    questions.set(q, s);
  };
  for (const a of c.answers) {
    if (a.load > 0) add('load', String(a.load));
    add('stay', String(a.stay));
    if (a.comment) add('share', null);
  }
  return { respondents: c.respondents, questions };
}

async function planned(
  combos: Combo[],
  settings: Omit<ReportingSettings, 'definition' | 'reportable' | 'pairs'>,
  pair: boolean,
  status: 'open' | 'closed' = 'closed',
): Promise<PlannedWave> {
  const shape = { reportable: ['department', 'location'], pairs: pair ? [['department', 'location']] : [] } as Pick<
    ReportingSettings,
    'reportable' | 'pairs'
  >;
  const released = combos.filter((c) => c.respondents > 0);
  const wave = plannedWave(shape, {
    waveId: 'w1',
    status,
    atoms: released.map((c) => ({ values: [c.department, c.location], counts: countsOf(c) })),
    invited: combos.map((c) => ({ values: [c.department, c.location], n: c.invited, suspect: 0, revoked: 0 })),
  });
  await plan({ definition, ...shape, ...settings }, [wave], (atoms, tables, k, forced, primary) =>
    protect(atoms, tables, k, forced, {}, { primary }),
  );
  return wave;
}

/** Everything the wave publishes to a reader who asks for all of it (the service's rules). */
function attackWave(w: PlannedWave, combos: Combo[], k: number, commentK: number) {
  const released = combos.filter((c) => c.respondents > 0);
  const cells = w.tables.flatMap((t) => t.cells);
  const byAtom = (a: number) => released[a]!;
  const sum = (atoms: number[], f: (c: Combo) => number) => atoms.reduce((s, a) => s + f(byAtom(a)), 0);
  const families: Array<{
    name: string;
    hidden: Set<string>;
    count: (c: Combo) => number;
    needed: (atoms: number[]) => number;
  }> = [
    {
      name: 'respondents',
      hidden: w.hidden.respondents,
      count: (c) => c.respondents,
      needed: (atoms) =>
        Math.min(
          k,
          sum(atoms, (c) => c.invited),
        ),
    },
  ];
  const load = (c: Combo, v?: string) =>
    c.answers.filter((a) => a.load > 0 && (v === undefined || String(a.load) === v)).length;
  const stay = (c: Combo, v?: string) => c.answers.filter((a) => v === undefined || String(a.stay) === v).length;
  for (const [question, count, values] of [
    ['load', load, LIKERT],
    ['stay', stay, ['true', 'false']],
  ] as const) {
    const hidden = w.hidden.questions.get(question)!;
    families.push({
      name: `${question} answered`,
      hidden,
      count: (c) => count(c),
      needed: (atoms) =>
        Math.min(
          k,
          sum(atoms, (c) => c.respondents),
        ),
    });
    for (const v of values) {
      const total = released.reduce((s, c) => s + count(c, v), 0);
      families.push({
        name: `${question}=${v}`,
        hidden,
        count: (c) => count(c, v),
        needed: (atoms) =>
          Math.min(
            k,
            total,
            sum(atoms, (c) => c.invited),
          ),
      });
    }
  }
  return { released, cells, families, commentK };
}

async function assertSafe(w: PlannedWave, combos: Combo[], k: number, commentK: number) {
  const { released, cells, families } = attackWave(w, combos, k, commentK);
  const unknowns = released.map((c, i) => ({ id: `a${i}`, upper: c.invited }));
  for (const family of families) {
    const published = cells
      .filter((c) => !family.hidden.has(c.id) && !w.hidden.respondents.has(c.id))
      .map((c) => ({
        ids: c.atoms.map((a) => `a${a}`),
        total: c.atoms.reduce((s, a) => s + family.count(released[a]!), 0),
      }));
    const targets = cells
      .filter((c) => family.hidden.has(c.id) || w.hidden.respondents.has(c.id))
      .map((c) => ({ id: c.id, ids: c.atoms.map((a) => `a${a}`) }));
    // Published numbers rest on at least k (respondents' cells), or on none at all.
    if (family.name === 'respondents') {
      for (const p of published) expect(p.total === 0 || p.total >= k, `${p.total} published`).toBe(true);
      // P7: with the roster, a published group's respondents give its non-responders.
      for (const table of w.tables) {
        const dims = table.id === TOTAL ? [] : (JSON.parse(table.id) as Array<'department' | 'location'>);
        for (const c of table.cells.filter((c) => !w.hidden.respondents.has(c.id))) {
          // The roster's invitations of the group, those without any respondent included.
          const atom = released[c.atoms[0]!]!;
          const invited = combos.filter((x) => dims.every((d) => x[d] === atom[d])).reduce((s, x) => s + x.invited, 0);
          const respondents = c.atoms.reduce((s, a) => s + released[a]!.respondents, 0);
          expect(invited - respondents, `${c.id}: ${respondents} of ${invited} invited`).toBeGreaterThanOrEqual(k);
        }
      }
    }
    if (targets.length === 0 || published.length === 0) continue;
    const intervals = await attack(unknowns, published, targets);
    for (const target of targets) {
      const [lo, hi] = intervals.get(target.id)!;
      const cell = cells.find((c) => c.id === target.id)!;
      expect(hi - lo, `${family.name}: ${target.id} narrowed to [${lo}, ${hi}], k=${k}`).toBeGreaterThanOrEqual(
        family.needed(cell.atoms),
      );
    }
  }
  // Comment lists: the total and each group of one dimension, as the comments route serves them.
  const threshold = Math.max(k, commentK);
  const lists = cells
    .filter((c) => c.id === TOTAL || (JSON.parse(c.id) as string[]).length === 2)
    .filter((c) => !w.hidden.comments.get('share')!.has(c.id));
  const signatures = new Map<string, number>();
  released.forEach((c, a) => {
    const n = c.answers.filter((x) => x.comment).length;
    if (n === 0) return;
    const signature = lists.map((l) => (l.atoms.includes(a) ? 1 : 0)).join('');
    if (!signature.includes('1')) return;
    signatures.set(signature, (signatures.get(signature) ?? 0) + n);
  });
  for (const [signature, n] of signatures)
    expect(n, `comments only in the lists ${signature}: ${n}, threshold ${threshold}`).toBeGreaterThanOrEqual(
      threshold,
    );
}

describe('P3 P4 the disclosure planner against an independent attacker (fast-check)', () => {
  it('P3 when random waves are planned, then no count, value count or comment group can be narrowed below k', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ combos, k, commentK, pair }) => {
        const w = await planned(combos, { k, earlierK: [], orgCommentK: commentK }, pair);
        await assertSafe(w, combos, k, commentK);
      }),
      { numRuns: 150, seed: Number(process.env.QUORUM_FC_SEED ?? 13) },
    );
  }, 240_000);

  it('P3 when k was raised, then what the smaller k hid stays hidden, and each reading is safe at its own k', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ combos, k, raise, commentK, pair }) => {
        const before = await planned(combos, { k, earlierK: [], orgCommentK: commentK }, pair);
        const after = await planned(combos, { k: k + raise, earlierK: raise ? [k] : [], orgCommentK: commentK }, pair);
        await assertSafe(after, combos, k + raise, commentK);
        for (const id of before.hidden.respondents) expect(after.hidden.respondents.has(id)).toBe(true);
        for (const [q, hidden] of before.hidden.questions)
          for (const id of hidden) expect(after.hidden.questions.get(q)!.has(id), `${q} ${id}`).toBe(true);
        for (const id of before.hidden.comments.get('share')!)
          expect(after.hidden.comments.get('share')!.has(id)).toBe(true);
      }),
      { numRuns: 60, seed: Number(process.env.QUORUM_FC_SEED ?? 14) },
    );
  }, 240_000);

  it('P3 when a wave is open, then only its total of respondents is published, and only from k', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ combos, k, pair }) => {
        const w = await planned(combos, { k, earlierK: [], orgCommentK: 0 }, pair, 'open');
        const respondents = combos.reduce((s, c) => s + c.respondents, 0);
        const invited = combos.reduce((s, c) => s + c.invited, 0);
        const cells = w.tables.flatMap((t) => t.cells.map((c) => c.id));
        for (const id of cells) {
          expect(w.hidden.respondents.has(id)).toBe(id !== TOTAL || respondents < k || invited - respondents < k);
          for (const q of definition.questions) expect(w.hidden.questions.get(q.id)!.has(id)).toBe(true);
        }
        for (const id of cells) expect(w.hidden.comments.get('share')!.has(id)).toBe(true);
      }),
      { numRuns: 30 },
    );
  });

  // Issue 13 item 4: the distributions the attacker read. Shrunk by fast-check from a case that
  // narrowed without value counts in the model: Support's count of 1s was pinned to [3, 5]
  // (k = 3), though its respondents and answerers were protected.
  it("P3 when distributions are published, then a hidden group's count of a value stays open", async () => {
    const people = (department: string, location: string, loads: number[]): Combo => ({
      department,
      location,
      invited: loads.length,
      respondents: loads.length,
      answers: loads.map((load) => ({ load, stay: false, comment: false })),
    });
    const combos = [
      people('Support', 'Busan', [0]),
      people('Support', 'Gdańsk', [1, 0]),
      people('Support', 'Seoul', [1, 1, 1]),
      people('Ops', 'Gdańsk', [1]),
      people('Ops', 'Busan', [2, 0]),
    ];
    const w = await planned(combos, { k: 3, earlierK: [], orgCommentK: 0 }, false);
    await assertSafe(w, combos, 3, 0);
  });

  // Issue 13 item 3: the lists of a department and of a location share the comments of their cross.
  it('P4 when department and location lists would share two comments, then not both are served', async () => {
    const writer = { load: 3, stay: true, comment: true };
    const many = (n: number) => Array.from({ length: n }, () => writer);
    const combos: Combo[] = [
      { department: 'Support', location: 'Seoul', invited: 9, respondents: 8, answers: many(8) },
      { department: 'Support', location: 'Busan', invited: 3, respondents: 2, answers: many(2) },
      { department: 'Sales', location: 'Busan', invited: 9, respondents: 8, answers: many(8) },
      { department: 'Sales', location: 'Seoul', invited: 9, respondents: 8, answers: many(8) },
    ];
    const w = await planned(combos, { k: 3, earlierK: [], orgCommentK: 5 }, false);
    await assertSafe(w, combos, 3, 5);
    const served = (id: string) => !w.hidden.comments.get('share')!.has(id);
    expect(served(JSON.stringify(['department', 'Support'])) && served(JSON.stringify(['location', 'Busan']))).toBe(
      false,
    );
  });
});
