import * as highsModule from 'highs';
import type { Highs } from 'highs';

// highs ships one CommonJS-style .d.ts for both module systems; under nodenext TypeScript sees its
// default export as the namespace, while at run time it is the loader function.
const loadHighs = highsModule.default as unknown as () => Promise<Highs>;

/**
 * Disclosure control for one family of linked tables (SPEC P2, P3).
 *
 * A cell is a count of respondents (e.g. department = Support). A margin is a set of cells whose
 * sum is published (a total, a row or column total of a pair table). An attacker who knows the
 * published cells and margins, and the roster (every cell's count is at most `upper`, the number
 * invited), can bound each hidden cell by linear programming. Primary suppression hides cells
 * under k (zero included: an empty cell tells that nobody there answered); complementary
 * suppression hides more cells, and if need be margins, until every hidden cell can still lie
 * anywhere in an interval at least min(k, upper) wide.
 */
export interface Cell {
  id: string;
  n: number;
  /** What the attacker knows as a maximum (invited count); Infinity when unknown. */
  upper: number;
}

export interface Protection {
  suppressed: Set<string>;
  /** Indexes of margins that must not be published. */
  hiddenMargins: Set<number>;
}

export async function protect(cells: Cell[], margins: string[][], k: number, forced: Iterable<string> = []): Promise<Protection> {
  const byId = new Map(cells.map((c) => [c.id, c]));
  const suppressed = new Set<string>([...forced].filter((id) => byId.has(id)));
  for (const c of cells) if (c.n < k) suppressed.add(c.id);
  const hiddenMargins = new Set<number>();
  // Complements are chosen smallest first, ties by id, so the same data gives the same pattern.
  const order = [...cells].sort((a, b) => a.n - b.n || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const needed = (c: Cell) => Math.min(k, c.upper);

  for (;;) {
    const intervals = margins.length <= 1 ? singleMarginIntervals(cells, margins, suppressed, hiddenMargins) : await exactIntervals(cells, margins, suppressed, hiddenMargins);
    const narrow = cells.find((c) => {
      const iv = intervals.get(c.id);
      return iv !== undefined && iv[1] - iv[0] < needed(c);
    });
    if (!narrow) return { suppressed, hiddenMargins };
    const open = margins.map((m, i) => ({ m, i })).filter(({ m, i }) => !hiddenMargins.has(i) && m.includes(narrow.id));
    const sharing = new Set(open.flatMap(({ m }) => m));
    const complement = order.find((c) => sharing.has(c.id) && !suppressed.has(c.id));
    if (complement) suppressed.add(complement.id);
    else if (open[0]) hiddenMargins.add(open[0].i); // every neighbour already hidden: withhold a total instead
    else return { suppressed, hiddenMargins };
  }
}

/** One margin: the interval of a hidden cell has a closed form (exact, no solver needed). */
function singleMarginIntervals(cells: Cell[], margins: string[][], suppressed: Set<string>, hiddenMargins: Set<number>): Map<string, [number, number]> {
  const intervals = new Map<string, [number, number]>();
  const hidden = cells.filter((c) => suppressed.has(c.id));
  const margin = margins[0] && !hiddenMargins.has(0) ? new Set(margins[0]) : new Set<string>();
  const inMargin = hidden.filter((c) => margin.has(c.id));
  const residual = inMargin.reduce((s, c) => s + c.n, 0);
  for (const c of hidden) {
    if (!margin.has(c.id)) {
      intervals.set(c.id, [0, c.upper]);
      continue;
    }
    const othersUpper = inMargin.reduce((s, o) => (o === c ? s : s + o.upper), 0);
    intervals.set(c.id, [Math.max(0, residual - othersUpper), Math.min(c.upper, residual)]);
  }
  return intervals;
}

let solver: Promise<Highs> | undefined;

/** Several margins: minimise and maximise each hidden cell as an integer program (HiGHS). */
async function exactIntervals(cells: Cell[], margins: string[][], suppressed: Set<string>, hiddenMargins: Set<number>): Promise<Map<string, [number, number]>> {
  const highs = await (solver ??= loadHighs());
  const hidden = cells.filter((c) => suppressed.has(c.id));
  const name = new Map(hidden.map((c, i) => [c.id, `x${i}`]));
  const n = new Map(cells.map((c) => [c.id, c.n]));
  const constraints = margins.flatMap((m, i) => {
    if (hiddenMargins.has(i)) return [];
    const vars = m.filter((id) => name.has(id));
    if (vars.length === 0) return [];
    const rest = vars.reduce((s, id) => s + n.get(id)!, 0);
    return [` m${i}: ${vars.map((id) => name.get(id)).join(' + ')} = ${rest}`];
  });
  const bounds = hidden.map((c) => ` 0 <= ${name.get(c.id)}${Number.isFinite(c.upper) ? ` <= ${c.upper}` : ''}`);
  const intervals = new Map<string, [number, number]>();
  for (const c of hidden) {
    const x = name.get(c.id)!;
    const solve = (sense: 'Minimize' | 'Maximize') => {
      const model = `${sense}\n obj: ${x}\nSubject To\n${constraints.length ? constraints.join('\n') : ` c0: ${x} >= 0`}\nBounds\n${bounds.join('\n')}\nGenerals\n ${[...name.values()].join(' ')}\nEnd`;
      const result = highs.solve(model, { output_flag: false });
      // The true table satisfies every constraint: "infeasible or unbounded" can only mean unbounded.
      if (result.Status !== 'Optimal') return sense === 'Minimize' ? 0 : Infinity;
      return result.ObjectiveValue;
    };
    intervals.set(c.id, [solve('Minimize'), solve('Maximize')]);
  }
  return intervals;
}
