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

export async function protect(atoms: Atom[], tables: Table[], k: number, forced: Iterable<string> = []): Promise<Set<string>> {
  const { cells, uppers, ns } = link(atoms, tables);
  const byId = new Map(cells.map((c) => [c.id, c]));
  const hidden = new Set<string>([...forced].filter((id) => byId.has(id)));
  for (const c of cells) if (c.n < k) hidden.add(c.id);
  if (hidden.size === 0) return hidden;

  // Witnesses: tables other than the true one that fit everything published. Hiding cells only
  // drops equations, so a witness stays one, and a hidden cell whose values across witnesses
  // already span min(k, upper) needs no solver; nor does a cell once found wide enough.
  const witnesses: number[][] = [ns];
  const span = (c: LinkedCell): [number, number] => {
    let [lo, hi] = [Infinity, -Infinity];
    for (const w of witnesses) {
      const sum = c.vars.reduce((s, v) => s + w[v]!, 0);
      [lo, hi] = [Math.min(lo, sum), Math.max(hi, sum)];
    }
    return [lo, hi];
  };
  const verified = new Set<string>();
  for (;;) {
    const cell = [...hidden].sort().map((id) => byId.get(id)!).find((c) => !verified.has(c.id));
    if (!cell) return hidden;
    const needed = Math.min(k, cell.upper);
    const [seenLo, seenHi] = span(cell);
    if (seenHi - seenLo >= needed) {
      verified.add(cell.id);
      continue;
    }
    const { lo, hi, tables: found } = await interval(cells, uppers, hidden, cell, (max) => max - seenLo >= needed);
    witnesses.push(...found);
    if (hi - lo >= needed) {
      verified.add(cell.id);
      continue;
    }
    // Widen it on one side (the next round sees to the other if need be): push its maximum up to
    // lo + needed where the roster allows, else its minimum down.
    const up = Math.min(cell.upper, lo + needed);
    const target: Target = hi < up ? { sense: '>=', value: up } : { sense: '<=', value: Math.max(0, hi - needed) };
    const complement = (await cheapestComplement(cells, uppers, ns, hidden, cell, target, needed)) ?? (await cheapestComplement(cells, uppers, ns, hidden, cell, target, Infinity));
    if (!complement || complement.hide.length === 0) {
      // Nothing left to hide (or no way to reach the target): it is as wide as it can be.
      verified.add(cell.id);
      continue;
    }
    witnesses.push(complement.table);
    for (const c of complement.hide) hidden.add(c.id);
  }
}

interface Target {
  sense: '>=' | '<=';
  value: number;
}

/**
 * The complementary cells, found by solving for them (after Fischetti and Salazar): another
 * table, integer and within the roster's bounds, whose narrow cell reaches the target while
 * breaking the equations of as few and as small published cells as possible; those cells must be
 * hidden for the attacker to lose the certainty. Cost: a cell's count plus one (the least
 * information lost, then the fewest cells); a total costs more than all other cells together.
 * The search looks first for a table within `reach` of the true one in every atom (a small,
 * fast model; the cycles that hide a cell move each atom by at most k), then anywhere.
 */
async function cheapestComplement(cells: LinkedCell[], uppers: number[], ns: number[], hidden: Set<string>, cell: LinkedCell, target: Target, reach: number): Promise<{ hide: LinkedCell[]; table: number[] } | undefined> {
  const highs = await (solver ??= loadHighs());
  const open = cells.filter((c) => !hidden.has(c.id));
  // Where the roster gives no maximum, no table needs counts beyond all counts plus the target.
  const cap = ns.reduce((s, n) => s + n, 0) + target.value + 1;
  const lower = ns.map((n) => Math.max(0, n - reach));
  const upper = uppers.map((u, v) => Math.min(Number.isFinite(u) ? u : cap, ns[v]! + reach));
  const totalCost = open.reduce((s, c) => s + c.n + 1, 0);
  const x = (v: number) => `x${v}`;
  const lines = [` t: ${cell.vars.map(x).join(' + ')} ${target.sense} ${target.value}`];
  open.forEach((c, i) => {
    // Big-M: the furthest this cell's sum can move from its count.
    const m = Math.max(1, c.vars.reduce((s, v) => s + upper[v]!, 0) - c.n, c.n - c.vars.reduce((s, v) => s + lower[v]!, 0));
    const sum = c.vars.map(x).join(' + ');
    lines.push(` u${i}: ${sum} - ${m} h${i} <= ${c.n}`, ` l${i}: ${sum} + ${m} h${i} >= ${c.n}`);
  });
  const model = [
    'Minimize',
    ` obj: ${open.length ? open.map((c, i) => `${c.total ? totalCost : c.n + 1} h${i}`).join(' + ') : '0 x0'}`,
    'Subject To',
    ...lines,
    'Bounds',
    ...uppers.map((_, v) => ` ${lower[v]} <= ${x(v)} <= ${upper[v]}`),
    ...(open.length ? ['Binaries', ` ${open.map((_, i) => `h${i}`).join(' ')}`] : []),
    'Generals',
    ` ${uppers.map((_, v) => x(v)).join(' ')}`,
    'End',
  ].join('\n');
  // Measured on these models: HiGHS's presolve costs several times what it saves.
  const result = highs.solve(model, { output_flag: false, presolve: 'off' });
  if (result.Status !== 'Optimal') return undefined;
  return { hide: open.filter((_, i) => (result.Columns[`h${i}`]?.Primal ?? 0) > 0.5), table: uppers.map((_, v) => Math.round(result.Columns[x(v)]?.Primal ?? 0)) };
}

/** Resolves cells to atoms, merging atoms that every cell treats alike (exact, and far fewer unknowns). */
function link(atoms: Atom[], tables: Table[]): { cells: LinkedCell[]; uppers: number[]; ns: number[] } {
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
  return { cells, uppers, ns };
}

let solver: Promise<Highs> | undefined;

/**
 * The attacker: maximise, then minimise, the hidden cell over all integer tables consistent with
 * every published cell; each optimum is also a witness table. `enough` may skip the minimum.
 */
async function interval(cells: LinkedCell[], uppers: number[], hidden: Set<string>, target: LinkedCell, enough: (max: number) => boolean): Promise<{ lo: number; hi: number; tables: number[][] }> {
  const highs = await (solver ??= loadHighs());
  const x = (v: number) => `x${v}`;
  const constraints = cells.filter((c) => !hidden.has(c.id)).map((c, i) => ` c${i}: ${c.vars.map(x).join(' + ')} = ${c.n}`);
  const bounds = uppers.map((u, v) => ` 0 <= ${x(v)}${Number.isFinite(u) ? ` <= ${u}` : ''}`);
  const objective = target.vars.map(x).join(' + ');
  const tables: number[][] = [];
  const solve = (sense: 'Minimize' | 'Maximize') => {
    const relaxed = `${sense}\n obj: ${objective}\nSubject To\n${constraints.length ? constraints.join('\n') : ` c: ${objective} >= 0`}\nBounds\n${bounds.join('\n')}\nEnd`;
    // The linear relaxation first (several times faster): where its optimum is integral, it is
    // the integer optimum too. Otherwise the integer program decides.
    let result = highs.solve(relaxed, { output_flag: false });
    const integral = (r: typeof result) => r.Status === 'Optimal' && Object.values(r.Columns).every((c) => Math.abs(c.Primal - Math.round(c.Primal)) < 1e-6);
    if (result.Status === 'Optimal' && !integral(result)) result = highs.solve(relaxed.replace(/End$/, `Generals\n ${uppers.map((_, v) => x(v)).join(' ')}\nEnd`), { output_flag: false });
    // The true table satisfies every constraint: "infeasible or unbounded" can only mean unbounded.
    if (result.Status !== 'Optimal') return sense === 'Minimize' ? 0 : Infinity;
    tables.push(uppers.map((_, v) => Math.round(result.Columns[x(v)]?.Primal ?? 0)));
    return Math.round(result.ObjectiveValue);
  };
  const hi = solve('Maximize');
  if (enough(hi)) return { lo: -Infinity, hi, tables };
  return { lo: solve('Minimize'), hi, tables };
}
