import { OTHER } from '../anonymity/generalise.ts';
import type { Question } from '../surveys/questions.ts';
import type { ReportingSettings } from './context.ts';
import type { Atom, Table } from './disclosure.ts';
import { valueKeys } from './metrics.ts';
import { NOT_REPORTED, TOTAL, tablesOf, type WaveAtom } from './tables.ts';
import { stuffedCells, type InvitedCombination } from './stuffing.ts';

/**
 * The disclosure planner: from a survey's settings and its waves' released counts and invitations,
 * which cells every reader must be refused (SPEC P2, P3, P4, P7, P9). It reads no database and
 * keeps no cache; the solver comes in as `protect` (disclosure.ts, on a thread or not), so a test
 * can run it alone against an attacker of its own.
 *
 * What a reader can ever obtain, and how each is covered:
 * - every table of a closed wave (total, breakdowns, declared pairs): one pattern per family,
 *   computed jointly over the tables and kept stable across waves (a cell hidden in one wave is
 *   hidden in all);
 * - the families: respondents; answerers of each question; the count of each value of each
 *   question (the published distributions: shares × answerers are counts); comment lists;
 * - an open wave: only its total's respondents, which the mixer moves in steps of at least k.
 *   Everything else (groups, questions, distributions, comments) waits for the wave to close, so no
 *   two readings differ by fewer than k answers in any cell;
 * - each k the survey had: patterns nest (a raised k starts from what the smaller hid).
 */
export interface Hidden {
  respondents: Set<string>;
  /** Per question: cells whose answers (count and distribution) are hidden. */
  questions: Map<string, Set<string>>;
  /** Per text question: cells whose comment list may not be read. */
  comments: Map<string, Set<string>>;
}

export interface PlannedWave {
  waveId: string;
  status: 'open' | 'closed';
  atoms: WaveAtom[];
  /** Invitations per raw combination of the reportable dimensions (roster knowledge), and how many are suspect (stuffing.ts). */
  invited: InvitedCombination[];
  totalInvited: number;
  tables: Table[];
  hidden: Hidden;
}

/** Protects one family: returns the cells to hide, `forced` included (see disclosure.ts `protect`). */
export type Protect = (
  atoms: Atom[],
  tables: Table[],
  k: number,
  forced: string[],
  primary: boolean,
) => Promise<Set<string>>;

export function plannedWave(
  settings: Pick<ReportingSettings, 'reportable' | 'pairs'>,
  wave: Pick<PlannedWave, 'waveId' | 'status' | 'atoms' | 'invited'>,
): PlannedWave {
  return {
    ...wave,
    totalInvited: wave.invited.reduce((s, i) => s + i.n, 0),
    tables: tablesOf(settings, wave.atoms),
    hidden: { respondents: new Set(), questions: new Map(), comments: new Map() },
  };
}

/** Fills each wave's `hidden`. */
export async function plan(settings: ReportingSettings, waves: PlannedWave[], protect: Protect): Promise<void> {
  for (const w of waves) if (w.status === 'open') hideOpenWave(settings, w);
  const closed = waves.filter((w) => w.status === 'closed');
  const roster = new Map(closed.map((w) => [w, respondentAtoms(w)]));
  // Each k the survey was reported under, smallest first: a raised k starts from what the
  // smaller one hid, so it can only hide more (patterns at two k need not nest on their own).
  const levels = [...new Set([...settings.earlierK, settings.k])].sort((a, b) => a - b);
  let before = new Map<PlannedWave, Hidden>();
  for (const k of levels) {
    const commentK = Math.max(k, settings.orgCommentK);
    const earlier = (w: PlannedWave, of: (h: Hidden) => Set<string> | undefined) => [
      ...(before.has(w) ? (of(before.get(w)!) ?? []) : []),
    ];
    // Respondents first: their hidden cells are forced on every question of the same wave.
    for (const w of closed) for (const id of fewNonResponders({ ...settings, k }, w)) w.hidden.respondents.add(id);
    await stabilise(
      closed,
      (w) => roster.get(w)!,
      k,
      protect,
      true,
      (w) => w.hidden.respondents,
      // Issue 13: cells roster stuffing could isolate are forced, so complementary suppression protects them.
      (w) => [...earlier(w, (h) => h.respondents), ...stuffedCells(w, k)],
    );
    for (const q of settings.definition.questions) {
      for (const w of closed) w.hidden.questions.set(q.id, new Set(w.hidden.respondents));
      // The attacker's maximum of an atom's answerers is what the roster allows, as for its
      // respondents: not its true respondents, which the respondents family hides. (With those as
      // maxima, a required question's published total pinned every hidden cell, and the total was
      // withheld for every question whenever a group was hidden.)
      const answered = (w: PlannedWave) =>
        w.atoms.map((a, i) => ({
          n: a.counts.questions.get(q.id)?.answered ?? 0,
          upper: roster.get(w)![i]!.upper,
        }));
      await stabilise(
        closed,
        answered,
        k,
        protect,
        true,
        (w) => w.hidden.questions.get(q.id)!,
        (w) => earlier(w, (h) => h.questions.get(q.id)),
      );
      if (q.type === 'text') {
        for (const w of closed)
          w.hidden.comments.set(
            q.id,
            commentListsHidden(w, q.id, commentK, [
              ...w.hidden.questions.get(q.id)!,
              ...earlier(w, (h) => h.comments.get(q.id)),
            ]),
          );
      } else await protectDistribution(closed, q, k, protect, roster);
    }
    before = new Map(
      closed.map((w) => [
        w,
        {
          respondents: new Set(w.hidden.respondents),
          questions: new Map([...w.hidden.questions].map(([q, h]) => [q, new Set(h)])),
          comments: new Map([...w.hidden.comments].map(([q, h]) => [q, new Set(h)])),
        },
      ]),
    );
  }
}

/**
 * An open wave publishes its total's respondents only (when at least k): the mixer releases at
 * least k responses at a time, so that number never moves by fewer than k. Any finer number
 * (a group's respondents, a question's answerers, a value's count, a comment list) would move by
 * the one or two answers of a release that fell in it, and two readings would tell them apart.
 */
function hideOpenWave(settings: ReportingSettings, w: PlannedWave): void {
  const cells = w.tables.flatMap((t) => t.cells.map((c) => c.id));
  const respondents = w.atoms.reduce((s, a) => s + a.counts.respondents, 0);
  const few =
    respondents < settings.k || fewNonResponders(settings, w).has(TOTAL) || stuffedCells(w, settings.k).includes(TOTAL);
  w.hidden.respondents = new Set(cells.filter((id) => id !== TOTAL || few));
  for (const q of settings.definition.questions) {
    w.hidden.questions.set(q.id, new Set(cells));
    if (q.type === 'text') w.hidden.comments.set(q.id, new Set(cells));
  }
}

/**
 * Cells whose respondents would tell that fewer than k of their invited did not respond (SPEC P7).
 * A reader holding the roster knows how many a group invited: with its respondents published,
 * "8 of 8 invited" needs no rate to say that everyone answered. So where a cell's invitations are
 * known exactly (it fixes no value to `other` or `(not reported)`, which mix values), its
 * respondents are withheld while invited − respondents is under k, zero included; the engine then
 * protects them like any small group, so no subtraction gives them back. (Respondents released
 * under `other` make a reader's non-responder count too high, never too low: the rule stays safe.)
 * Found by an outside attack: an undistributed code pool of 5 beside 20 people who all answered
 * published "20 of 25".
 */
function fewNonResponders(settings: Pick<ReportingSettings, 'k' | 'reportable'>, w: PlannedWave): Set<string> {
  const few = new Set<string>();
  for (const table of w.tables) {
    for (const cell of table.cells) {
      if (cell.atoms.length === 0) continue;
      // The dimensions the cell fixes, and their values (the same in all its atoms).
      const first = w.atoms[cell.atoms[0]!]!.values;
      const fixed =
        cell.id === TOTAL ? [] : (JSON.parse(table.id) as string[]).map((d) => settings.reportable.indexOf(d));
      if (fixed.some((i) => first[i] === OTHER || first[i] === NOT_REPORTED)) continue;
      const combos = w.invited.filter((r) => fixed.every((i) => r.values[i] === first[i]));
      const invited = combos.reduce((s, r) => s + r.n, 0);
      // Suspect tokens (pool codes, HR-held links of roster additions) may never have left HR: then
      // they count as non-responders that are not. Where personal invitations sit beside them, their
      // holders' non-responders must reach k with every suspect token left out (fail closed: whether
      // a code was handed out is not known here). A kiosk-only cell has no one else to expose.
      const genuine = invited - combos.reduce((s, r) => s + r.suspect, 0);
      // Revoked invitations cannot be answered, and HR chose whose they are: counted as
      // non-responders they would let HR revoke a few people and read that everyone else answered.
      // Some may have been answered before their revocation, so the count left is a lower bound of
      // the non-responders HR cannot explain, which is what must reach k (fail closed).
      const answerable = invited - combos.reduce((s, r) => s + r.revoked, 0);
      const respondents = cell.atoms.reduce((s, a) => s + w.atoms[a]!.counts.respondents, 0);
      if (
        invited - respondents < settings.k ||
        (answerable < invited && answerable - respondents < settings.k) ||
        (genuine > 0 && genuine < invited && genuine - respondents < settings.k)
      )
        few.add(cell.id);
    }
  }
  return few;
}

/**
 * Respondents of each atom; the attacker's maximum is what the roster allows: the invitations of
 * every raw combination the atom may stand for ("other" and "(not reported)" stand for any value).
 */
function respondentAtoms(w: PlannedWave): Atom[] {
  return w.atoms.map((a) => {
    const upper = w.invited
      .filter((r) => a.values.every((v, i) => v === OTHER || v === NOT_REPORTED || v === r.values[i]))
      .reduce((s, r) => s + r.n, 0);
    return { n: a.counts.respondents, upper: Math.max(upper, a.counts.respondents) };
  });
}

/**
 * A distribution publishes, per cell, the count of every value (share × answerers), so each value
 * is a family of its own over the same tables: a hidden cell's count of a value must stay as open
 * as its count of answerers (an interval at least min(k, its maximum) wide), or the published
 * counts would tell e.g. that a hidden group gave no 1s and no 5s. The maximum of a value in an
 * atom is what the roster allows, and never more than the wave's total of that value. No primary
 * suppression here (few choosing a value is no small group); cells hidden for one value are
 * hidden for the whole question, so every value is protected again until none adds a cell.
 */
async function protectDistribution(
  waves: PlannedWave[],
  q: Question,
  k: number,
  protect: Protect,
  roster: Map<PlannedWave, Atom[]>,
): Promise<void> {
  const keys = valueKeys(q);
  const count = (a: WaveAtom, v: string) => a.counts.questions.get(q.id)?.values.get(v) ?? 0;
  const valueAtoms = (v: string) => (w: PlannedWave) => {
    const total = w.atoms.reduce((s, a) => s + count(a, v), 0);
    const upper = roster.get(w)!;
    return w.atoms.map((a, i) => ({ n: count(a, v), upper: Math.min(upper[i]!.upper, total) }));
  };
  const size = () => waves.reduce((s, w) => s + w.hidden.questions.get(q.id)!.size, 0);
  for (;;) {
    const start = size();
    for (const v of keys)
      await stabilise(waves, valueAtoms(v), k, protect, false, (w) => w.hidden.questions.get(q.id)!);
    if (size() === start) return;
  }
}

/**
 * Comment lists are sets of texts a reader can match across lists: the list of a department and
 * the list of a location share exactly the comments of department × location, and a list minus
 * the lists inside it leaves those of the groups withheld. So what a reader learns is, for each
 * comment, which served lists hold it; comments that share that signature come from one group of
 * atoms. Every such group must hold no comment or at least `threshold` (P4). Lists under the
 * threshold (or forced: their answer counts are hidden) are withheld first; then, while some
 * signature group is too small, one more list is withheld — the smallest of its signature other
 * than the total, or, for comments in no served list but the total, a list whose withholding adds
 * comments to them (else the total itself). Each step withholds one list, so it ends.
 */
export function commentListsHidden(
  w: Pick<PlannedWave, 'atoms' | 'tables'>,
  questionId: string,
  threshold: number,
  forced: Iterable<string>,
): Set<string> {
  const comments = w.atoms.map((a) => a.counts.questions.get(questionId)?.answered ?? 0);
  // The lists a reader can ask for: the total and each group of one dimension (not pairs).
  const lists = w.tables
    .filter((t) => t.id === TOTAL || (JSON.parse(t.id) as string[]).length === 1)
    .flatMap((t) =>
      t.cells.map((c) => ({ id: c.id, atoms: c.atoms, n: c.atoms.reduce((s, a) => s + comments[a]!, 0) })),
    );
  const ids = new Set(lists.map((l) => l.id));
  const hidden = new Set([...forced].filter((id) => ids.has(id)));
  for (const l of lists) if (l.n < threshold) hidden.add(l.id);
  const byN = (a: { n: number; id: string }, b: { n: number; id: string }) => a.n - b.n || (a.id < b.id ? -1 : 1);
  for (;;) {
    const served = lists.filter((l) => !hidden.has(l.id));
    const signatures = new Map<string, { n: number; lists: typeof served }>();
    comments.forEach((n, a) => {
      if (n === 0) return;
      const holding = served.filter((l) => l.atoms.includes(a));
      if (holding.length === 0) return;
      const key = holding.map((l) => l.id).join('\n');
      const s = signatures.get(key) ?? { n: 0, lists: holding };
      s.n += n;
      signatures.set(key, s);
    });
    const small = [...signatures.values()].filter((s) => s.n < threshold).sort((a, b) => a.n - b.n)[0];
    if (!small) return hidden;
    const inner = small.lists.filter((l) => l.id !== TOTAL).sort(byN)[0];
    if (inner) {
      hidden.add(inner.id);
      continue;
    }
    // Only the total holds them: withhold a list some of whose comments are in no other served list
    // but the total (they join these), else the total.
    const joining = served
      .filter((l) => l.id !== TOTAL)
      .filter((l) =>
        l.atoms.some((a) => comments[a]! > 0 && served.every((o) => o === l || o.id === TOTAL || !o.atoms.includes(a))),
      )
      .sort(byN)[0];
    hidden.add(joining?.id ?? TOTAL);
  }
}

/**
 * Protects one family in every wave, then keeps the pattern stable across waves (issue 4: earlier
 * waves must not help reconstruct a later one): a cell hidden in any wave is hidden in all, and
 * the waves are protected again with that forced until nothing changes. What it hides is added to
 * each wave's set `into`, whose cells it also forces (with `forcedOf`).
 */
async function stabilise(
  waves: PlannedWave[],
  atomsOf: (w: PlannedWave) => Atom[],
  k: number,
  protect: Protect,
  primary: boolean,
  into: (w: PlannedWave) => Set<string>,
  forcedOf: (w: PlannedWave) => Iterable<string> = () => [],
): Promise<void> {
  const hidden = new Map<PlannedWave, Set<string>>();
  const forced = (w: PlannedWave) => [...into(w), ...forcedOf(w)];
  for (const w of waves) hidden.set(w, await protect(atomsOf(w), w.tables, k, forced(w), primary));
  for (;;) {
    const union = new Set([...hidden.values()].flatMap((h) => [...h]));
    let changed = false;
    for (const w of waves) {
      const ids = new Set(w.tables.flatMap((t) => t.cells.map((c) => c.id)));
      const missing = [...union].filter((id) => ids.has(id) && !hidden.get(w)!.has(id));
      if (missing.length === 0) continue;
      hidden.set(w, await protect(atomsOf(w), w.tables, k, [...forced(w), ...hidden.get(w)!, ...missing], primary));
      changed = true;
    }
    if (!changed) break;
  }
  for (const w of waves) for (const id of hidden.get(w)!) into(w).add(id);
}
