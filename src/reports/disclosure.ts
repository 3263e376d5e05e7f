import * as highsModule from 'highs';
import type { Highs } from 'highs';

// highs ships one CommonJS-style .d.ts for both module systems; under nodenext TypeScript sees its
// default export as the namespace, while at run time it is the loader function.
const loadHighs = highsModule.default as unknown as () => Promise<Highs>;

/**
 * Disclosure control for one family of linked tables (SPEC P2, P3).
 *
 * An atom is the finest count the engine knows (respondents, or answerers of one question, in one
 * released attribute combination); atoms themselves are never published. A table is a partition of
 * atoms into published cells: the grand total is a table of one cell, a breakdown by department a
 * table of one cell per department, a declared pair one cell per department × location. Every
 * published cell is one linear equation over the atoms, so an attacker who reads all tables of the
 * family, and knows the roster (no atom can exceed `upper`), bounds each hidden cell by integer
 * programming. All tables are protected jointly: primary suppression hides cells under k (zero
 * included: an empty cell tells that nobody there answered); complementary suppression hides more
 * cells until every hidden cell can lie anywhere in an interval at least min(k, its upper) wide.
 */
export interface Atom {
  n: number;
  /** What the attacker knows as a maximum (invited, or respondents); Infinity when unknown. */
  upper: number;
}

export interface Table {
  id: string;
  /** Cell ids are unique across all tables of a family. */
  cells: Array<{ id: string; atoms: number[] }>;
}

interface LinkedCell {
  id: string;
  table: string;
  /** Indexes into the merged atoms. */
  vars: number[];
  n: number;
  upper: number;
  /** A table of one cell: a total. Withheld only as a last resort. */
  total: boolean;
}

/** How many complements of each ring (see complements) are tried before settling for the best of them. */
const TRIED_PER_RING = 4;

export async function protect(atoms: Atom[], tables: Table[], k: number, forced: Iterable<string> = []): Promise<Set<string>> {
  const { cells, uppers } = link(atoms, tables);
  const byId = new Map(cells.map((c) => [c.id, c]));
  const hidden = new Set<string>([...forced].filter((id) => byId.has(id)));
  for (const c of cells) if (c.n < k) hidden.add(c.id);
  if (hidden.size === 0) return hidden;

  const needed = (c: LinkedCell) => Math.min(k, c.upper);
  const width = (c: LinkedCell) => interval(cells, uppers, hidden, c).then(([lo, hi]) => hi - lo);
  // Hiding a cell only drops an equation, so a hidden cell once wide enough stays so: each is
  // checked until it passes, and never again.
  const verified = new Set<string>();
  for (;;) {
    const cell = [...hidden].sort().map((id) => byId.get(id)!).find((c) => !verified.has(c.id));
    if (!cell) return hidden;
    const before = await width(cell);
    if (before >= needed(cell)) {
      verified.add(cell.id);
      continue;
    }
    const rings = complements(cells, hidden, cell);
    if (rings.length === 0) {
      // Everything is hidden; its interval is as wide as the roster allows.
      verified.add(cell.id);
      continue;
    }
    let choice = rings[0]![0]!;
    let best = before;
    for (const candidate of rings.flatMap((ring) => ring.slice(0, TRIED_PER_RING))) {
      hidden.add(candidate.id);
      const w = await width(cell);
      hidden.delete(candidate.id);
      if (w >= needed(cell)) {
        choice = candidate;
        break;
      }
      if (w > best) [choice, best] = [candidate, w];
    }
    hidden.add(choice.id);
  }
}

/**
 * Cells whose hiding may widen the narrow one, nearest first: its siblings in its own table and
 * cells overlapping it; then cells overlapping the hidden cells around it (whose values it is
 * being subtracted from); then any cell. Within a ring, smallest first (the least information
 * lost, and the same data gives the same pattern). A total is withheld only when nothing else is left.
 */
function complements(cells: LinkedCell[], hidden: Set<string>, cell: LinkedCell): LinkedCell[][] {
  const own = new Set(cell.vars);
  const near = (c: LinkedCell) => c.table === cell.table || c.vars.some((v) => own.has(v));
  const around = new Set(cells.filter((c) => hidden.has(c.id) && near(c)).flatMap((c) => c.vars));
  const rank = (c: LinkedCell) => (c.total ? 3 : near(c) ? 0 : c.vars.some((v) => around.has(v)) ? 1 : 2);
  const rings: LinkedCell[][] = [[], [], [], []];
  for (const c of cells) if (!hidden.has(c.id)) rings[rank(c)]!.push(c);
  for (const ring of rings) ring.sort((a, b) => Number(a.table !== cell.table) - Number(b.table !== cell.table) || a.n - b.n || (a.id < b.id ? -1 : 1));
  const open = rings.slice(0, 3).filter((ring) => ring.length > 0);
  return open.length ? open : rings.slice(3).filter((ring) => ring.length > 0);
}

/** Resolves cells to atoms, merging atoms that every cell treats alike (exact, and far fewer unknowns). */
function link(atoms: Atom[], tables: Table[]): { cells: LinkedCell[]; uppers: number[] } {
  const memberships = atoms.map(() => [] as number[]);
  const flat = tables.flatMap((t) => t.cells.filter((c) => c.atoms.length > 0).map((c) => ({ ...c, table: t.id, total: t.cells.length === 1 })));
  flat.forEach((c, i) => {
    for (const a of c.atoms) memberships[a]!.push(i);
  });
  const merged = new Map<string, number>();
  const uppers: number[] = [];
  const ns: number[] = [];
  const varOf = memberships.map((m, a) => {
    const key = m.join(',');
    let v = merged.get(key);
    if (v === undefined) {
      merged.set(key, (v = uppers.length));
      uppers.push(0);
      ns.push(0);
    }
    uppers[v]! += atoms[a]!.upper;
    ns[v]! += atoms[a]!.n;
    return v;
  });
  const cells = flat.map((c) => {
    const vars = [...new Set(c.atoms.map((a) => varOf[a]!))];
    return { id: c.id, table: c.table, total: c.total, vars, n: vars.reduce((s, v) => s + ns[v]!, 0), upper: vars.reduce((s, v) => s + uppers[v]!, 0) };
  });
  return { cells, uppers };
}

let solver: Promise<Highs> | undefined;

/** The attacker: minimise and maximise the hidden cell over all atom values consistent with every published cell. */
async function interval(cells: LinkedCell[], uppers: number[], hidden: Set<string>, target: LinkedCell): Promise<[number, number]> {
  const highs = await (solver ??= loadHighs());
  const x = (v: number) => `x${v}`;
  const constraints = cells.filter((c) => !hidden.has(c.id)).map((c, i) => ` c${i}: ${c.vars.map(x).join(' + ')} = ${c.n}`);
  const bounds = uppers.map((u, v) => ` 0 <= ${x(v)}${Number.isFinite(u) ? ` <= ${u}` : ''}`);
  const objective = target.vars.map(x).join(' + ');
  const solve = (sense: 'Minimize' | 'Maximize') => {
    const model = `${sense}\n obj: ${objective}\nSubject To\n${constraints.length ? constraints.join('\n') : ` c: ${objective} >= 0`}\nBounds\n${bounds.join('\n')}\nGenerals\n ${uppers.map((_, v) => x(v)).join(' ')}\nEnd`;
    const result = highs.solve(model, { output_flag: false });
    // The true table satisfies every constraint: "infeasible or unbounded" can only mean unbounded.
    if (result.Status !== 'Optimal') return sense === 'Minimize' ? 0 : Infinity;
    return Math.round(result.ObjectiveValue);
  };
  return [solve('Minimize'), solve('Maximize')];
}
