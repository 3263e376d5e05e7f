import * as highsModule from 'highs';
import type { Highs, Model, ModelData, OptionValue } from 'highs';

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
 * A family may also be protected without primary suppression (`primary: false`): then only the
 * forced cells, hidden for another family, are protected in this one.
 */
/**
 * HiGHS options added to every solve (time, iteration or node limits): the engine's explicit seam
 * for limits, and the tests' way to make HiGHS stop early (SPEC P9).
 */
export type SolverOptions = Record<string, OptionValue>;

/**
 * The solver could not prove what the engine needs (a time, iteration or memory limit, a solver
 * error, a status it did not expect): the pattern is unknown and nothing may be published (P9).
 */
export class Unproven extends Error {
  constructor(what: string, status: number) {
    super(`disclosure: ${what} ended with HiGHS model status ${status}, not a proven result`);
    this.name = 'Unproven';
  }
}

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

export async function protect(
  atoms: Atom[],
  tables: Table[],
  k: number,
  forced: Iterable<string> = [],
  options: SolverOptions = {},
  { primary = true }: { primary?: boolean } = {},
): Promise<Set<string>> {
  const { cells, uppers, ns } = link(atoms, tables);
  const byId = new Map(cells.map((c) => [c.id, c]));
  const hidden = new Set<string>([...forced].filter((id) => byId.has(id)));
  // Without primary suppression (a family of value counts: few people choosing an answer is no
  // small group), only the forced cells are protected, with complements where they need them.
  if (primary) for (const c of cells) if (c.n < k) hidden.add(c.id);
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
  const highs = await (solver ??= loadHighs());
  const attacker = new Attacker(highs, cells, uppers, options);
  try {
    const verified = new Set<string>();
    for (;;) {
      const cell = [...hidden]
        .sort()
        .map((id) => byId.get(id)!)
        .find((c) => !verified.has(c.id));
      if (!cell) return hidden;
      const needed = Math.min(k, cell.upper);
      const [seenLo, seenHi] = span(cell);
      if (seenHi - seenLo >= needed) {
        verified.add(cell.id);
        continue;
      }
      const { lo, hi, tables: found } = attacker.interval(hidden, cell, (max) => max - seenLo >= needed);
      witnesses.push(...found);
      if (hi - lo >= needed) {
        verified.add(cell.id);
        continue;
      }
      // Nothing published at all: nothing can narrow it.
      if (cells.every((c) => hidden.has(c.id))) {
        verified.add(cell.id);
        continue;
      }
      // Widen it on one side (the next round sees to the other if need be): push its maximum up to
      // lo + needed where the roster allows, else its minimum down.
      const up = Math.min(cell.upper, lo + needed);
      const target: Target = hi < up ? { sense: '>=', value: up } : { sense: '<=', value: Math.max(0, hi - needed) };
      // No table within reach proves only that the local search is too narrow; the global one decides.
      const local = cheapestComplement(highs, cells, uppers, ns, hidden, cell, target, needed, options);
      const complement =
        local === 'infeasible'
          ? cheapestComplement(highs, cells, uppers, ns, hidden, cell, target, Infinity, options)
          : local;
      if (complement === 'infeasible' || complement.hide.length === 0) {
        // No table reaches the target (or one does without breaking any published cell, which the
        // attacker just said none does): the published cells pin this one down and nothing says
        // which to hide. Not "as wide as it can be" (that published a narrow cell): hide every
        // published cell of the family; with no equation left, each hidden cell spans [0, upper].
        for (const c of cells) hidden.add(c.id);
        continue;
      }
      witnesses.push(complement.table);
      for (const c of complement.hide) hidden.add(c.id);
    }
  } finally {
    attacker.dispose();
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
function cheapestComplement(
  highs: Highs,
  cells: LinkedCell[],
  uppers: number[],
  ns: number[],
  hidden: Set<string>,
  cell: LinkedCell,
  target: Target,
  reach: number,
  options: SolverOptions,
): { hide: LinkedCell[]; table: number[] } | 'infeasible' {
  const open = cells.filter((c) => !hidden.has(c.id));
  // Where the roster gives no maximum, no table needs counts beyond all counts plus the target.
  const cap = ns.reduce((s, n) => s + n, 0) + target.value + 1;
  const lower = ns.map((n) => Math.max(0, n - reach));
  const upper = uppers.map((u, v) => Math.min(Number.isFinite(u) ? u : cap, ns[v]! + reach));
  const totalCost = open.reduce((s, c) => s + c.n + 1, 0);
  // Columns: one binary h per open cell ("its equation may break"), then the table's counts x.
  // This order, and no feasibility jump, measured 1.5-2x faster on the benchmark's models.
  const x = (v: number) => open.length + v;
  const rows = new Rows();
  rows.add(
    cell.vars.map((v) => [x(v), 1]),
    target.sense === '>=' ? target.value : -Infinity,
    target.sense === '<=' ? target.value : Infinity,
  );
  open.forEach((c, i) => {
    // Big-M: the furthest this cell's sum may move from its count. The local search also lets a
    // broken cell move at most `reach` (a cycle moves each cell it crosses by what it moves the
    // narrow one): a far tighter model, about twice as fast; the global search has no such limit.
    const m = Math.min(
      reach,
      Math.max(1, c.vars.reduce((s, v) => s + upper[v]!, 0) - c.n, c.n - c.vars.reduce((s, v) => s + lower[v]!, 0)),
    );
    const sum = c.vars.map((v): [number, number] => [x(v), 1]);
    rows.add([[i, -m], ...sum], -Infinity, c.n);
    rows.add([[i, m], ...sum], c.n, Infinity);
  });
  const numCols = open.length + uppers.length;
  const model = highs.createModel({
    numCols,
    colCost: [...open.map((c) => (c.total ? totalCost : c.n + 1)), ...uppers.map(() => 0)],
    colLower: [...open.map(() => 0), ...lower],
    colUpper: [...open.map(() => 1), ...upper],
    integrality: new Int32Array(numCols).fill(highs.constants.variableType.integer),
    ...rows.model(numCols),
  });
  try {
    // Measured on these models: HiGHS's presolve costs several times what it saves.
    model.options.set({ output_flag: false, presolve: 'off', mip_heuristic_run_feasibility_jump: false, ...options });
    const status = model.run().modelStatus;
    // Proven infeasible: no such table (the caller decides what that means). Anything else short
    // of a proven optimum (a limit, an error) proves nothing: no pattern, no report (P9).
    if (status === highs.constants.modelStatus.infeasible) return 'infeasible';
    if (status !== highs.constants.modelStatus.optimal) throw new Unproven('complement search', status);
    const values = model.getSolution().colValue;
    return { hide: open.filter((_, i) => values[i]! > 0.5), table: uppers.map((_, v) => Math.round(values[x(v)]!)) };
  } finally {
    model.dispose();
  }
}

/** A model's rows, added one by one, as HiGHS takes them (compressed sparse rows). */
class Rows {
  private readonly starts = [0];
  private readonly indices: number[] = [];
  private readonly values: number[] = [];
  private readonly lower: number[] = [];
  private readonly upper: number[] = [];

  /** lower <= sum of coefficient × column <= upper; returns the row's index. */
  add(entries: Array<[column: number, coefficient: number]>, lower: number, upper: number): number {
    for (const [column, coefficient] of entries) {
      this.indices.push(column);
      this.values.push(coefficient);
    }
    this.starts.push(this.indices.length);
    this.lower.push(lower);
    this.upper.push(upper);
    return this.lower.length - 1;
  }

  model(numCols: number): Pick<ModelData, 'numRows' | 'rowLower' | 'rowUpper' | 'matrix'> {
    const numRows = this.lower.length;
    return {
      numRows,
      rowLower: this.lower,
      rowUpper: this.upper,
      matrix: { format: 'csr', numRows, numCols, starts: this.starts, indices: this.indices, values: this.values },
    };
  }
}

/** Resolves cells to atoms, merging atoms that every cell treats alike (exact, and far fewer unknowns). */
function link(atoms: Atom[], tables: Table[]): { cells: LinkedCell[]; uppers: number[]; ns: number[] } {
  const memberships = atoms.map(() => [] as number[]);
  const flat = tables.flatMap((t) =>
    t.cells.filter((c) => c.atoms.length > 0).map((c) => ({ ...c, table: t.id, total: t.cells.length === 1 })),
  );
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
    return {
      id: c.id,
      table: c.table,
      total: c.total,
      vars,
      n: vars.reduce((s, v) => s + ns[v]!, 0),
      upper: vars.reduce((s, v) => s + uppers[v]!, 0),
    };
  });
  return { cells, uppers, ns };
}

let solver: Promise<Highs> | undefined;

/**
 * The attacker: maximise, then minimise, a hidden cell over all integer tables consistent with
 * every published cell; each optimum is also a witness table. One model per protection serves
 * every question: a hidden cell's equation is dropped by freeing its row, and each question only
 * changes the objective, so HiGHS re-solves from the last basis (a fraction of a millisecond
 * where a fresh model costs tens).
 */
class Attacker {
  private readonly highs: Highs;
  private readonly columns: number;
  private readonly model: Model;
  private readonly row = new Map<string, number>();
  private readonly freed = new Set<string>();

  constructor(highs: Highs, cells: LinkedCell[], uppers: number[], options: SolverOptions) {
    this.highs = highs;
    const n = (this.columns = uppers.length);
    const rows = new Rows();
    for (const c of cells)
      this.row.set(
        c.id,
        rows.add(
          c.vars.map((v) => [v, 1]),
          c.n,
          c.n,
        ),
      );
    this.model = highs.createModel({
      numCols: n,
      colCost: new Float64Array(n),
      colLower: new Float64Array(n),
      colUpper: uppers,
      ...rows.model(n),
    });
    this.model.options.set({ output_flag: false, ...options });
  }

  /** `enough` may skip the minimum. */
  interval(
    hidden: Set<string>,
    target: LinkedCell,
    enough: (max: number) => boolean,
  ): { lo: number; hi: number; tables: number[][] } {
    const { highs, model } = this;
    for (const id of hidden) {
      if (this.freed.has(id)) continue;
      model.changeRowBounds(this.row.get(id)!, -Infinity, Infinity);
      this.freed.add(id);
    }
    const n = this.columns;
    const all = { kind: 'range', from: 0, to: n - 1 } as const;
    const cost = new Float64Array(n);
    for (const v of target.vars) cost[v] = 1;
    model.changeColsCost(all, cost);
    const tables: number[][] = [];
    const solve = (sense: 'minimize' | 'maximize') => {
      model.changeObjectiveSense(highs.constants.objectiveSense[sense]);
      // The linear relaxation first (several times faster): where its optimum is integral, it is
      // the integer optimum too. Otherwise the integer program decides.
      const { optimal, unbounded, unboundedOrInfeasible } = highs.constants.modelStatus;
      let status = model.run().modelStatus;
      let values = model.getSolution().colValue;
      if (status === optimal && values.some((x) => Math.abs(x - Math.round(x)) >= 1e-6)) {
        model.changeColsIntegrality(all, new Int32Array(n).fill(highs.constants.variableType.integer));
        status = model.run().modelStatus;
        values = model.getSolution().colValue;
        model.clearIntegrality();
      }
      // The true table satisfies every constraint, so "infeasible or unbounded" can only mean
      // unbounded; a maximum without bound is as wide as a cell gets. Counts are never negative,
      // so a minimum is an optimum or nothing. Every other status (a time, iteration or memory
      // limit, an error, "infeasible", which the true table refutes) proves nothing: fail closed.
      if (sense === 'maximize' && (status === unbounded || status === unboundedOrInfeasible)) return Infinity;
      if (status !== optimal) throw new Unproven(`attacker's ${sense}`, status);
      tables.push(Array.from(values, Math.round));
      return Math.round(model.getObjectiveValue());
    };
    const hi = solve('maximize');
    if (enough(hi)) return { lo: -Infinity, hi, tables };
    return { lo: solve('minimize'), hi, tables };
  }

  dispose(): void {
    this.model.dispose();
  }
}
