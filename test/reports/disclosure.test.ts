import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { protect, type Table } from '../../src/reports/disclosure.ts';
import { attack } from '../helpers/lp-attacker.ts';

const cellArb = fc.record({
  n: fc.integer({ min: 0, max: 40 }),
  slack: fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined }),
});
type TestAtom = { id: string; n: number; upper: number };

/** Protects, then lets the independent attacker bound every hidden cell from every published one. */
async function assertSafe(atoms: TestAtom[], tables: Table[], k: number, forced: string[] = []): Promise<Set<string>> {
  const hidden = await protect(atoms, tables, k, forced);
  const cells = tables.flatMap((t) => t.cells).filter((c) => c.atoms.length > 0);
  const n = (c: { atoms: number[] }) => c.atoms.reduce((s, a) => s + atoms[a]!.n, 0);
  const upper = (c: { atoms: number[] }) => c.atoms.reduce((s, a) => s + atoms[a]!.upper, 0);
  for (const c of cells) if (n(c) < k) expect(hidden.has(c.id), `${c.id} (n=${n(c)}) must be hidden`).toBe(true);
  for (const id of forced) expect(hidden.has(id)).toBe(true);
  const ids = (c: { atoms: number[] }) => c.atoms.map((a) => atoms[a]!.id);
  const intervals = await attack(
    atoms,
    cells.filter((c) => !hidden.has(c.id)).map((c) => ({ ids: ids(c), total: n(c) })),
    cells.filter((c) => hidden.has(c.id)).map((c) => ({ id: c.id, ids: ids(c) })),
  );
  for (const c of cells.filter((x) => hidden.has(x.id))) {
    const [lo, hi] = intervals.get(c.id)!;
    expect(hi - lo, `${c.id}: n=${n(c)} narrowed to [${lo}, ${hi}]`).toBeGreaterThanOrEqual(Math.min(k, upper(c)));
  }
  return hidden;
}

const total = (atoms: unknown[]): Table => ({ id: 'total', cells: [{ id: 'total', atoms: atoms.map((_, i) => i) }] });
/** One table per function of the atoms: cells are the atoms sharing a value. */
function partition(id: string, atoms: TestAtom[], valueOf: (a: TestAtom) => string): Table {
  const cells = new Map<string, number[]>();
  atoms.forEach((a, i) => cells.set(`${id}=${valueOf(a)}`, [...(cells.get(`${id}=${valueOf(a)}`) ?? []), i]));
  return { id, cells: [...cells].map(([cell, members]) => ({ id: cell, atoms: members })) };
}
const oneDimension = (cells: TestAtom[]) => [total(cells), partition('group', cells, (a) => a.id)];
const upperOf = (x: { n: number; slack: number | undefined }) => (x.slack === undefined ? Infinity : x.n + x.slack);

describe('P3 complementary suppression against a linear-programming attacker', () => {
  it('when one dimension is published with its total, then no hidden cell narrows below min(k, invited)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(cellArb, { minLength: 1, maxLength: 9 }),
        fc.integer({ min: 3, max: 10 }),
        async (raw, k) => {
          const atoms = raw.map((c, i) => ({ id: `g${i}`, n: c.n, upper: upperOf(c) }));
          await assertSafe(atoms, oneDimension(atoms), k);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('when a pair of dimensions is published with its rows, columns and total, then no hidden cell narrows below min(k, invited)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(cellArb, { minLength: 16, maxLength: 16 }),
        fc.integer({ min: 3, max: 8 }),
        async (rows, cols, raw, k) => {
          const atoms: TestAtom[] = [];
          for (let r = 0; r < rows; r++)
            for (let c = 0; c < cols; c++)
              atoms.push({ id: `${r}:${c}`, n: raw[r * cols + c]!.n, upper: upperOf(raw[r * cols + c]!) });
          const tables = [
            total(atoms),
            partition('row', atoms, (a) => a.id.split(':')[0]!),
            partition('col', atoms, (a) => a.id.split(':')[1]!),
            partition('pair', atoms, (a) => a.id),
          ];
          await assertSafe(atoms, tables, k);
        },
      ),
      { numRuns: 150 },
    );
  });

  // Issue 4's open problem: with combinations missing from the roster (structural zeros), two
  // one-dimension tables pin intersections; protected apart, they leaked. Protected jointly, not.
  it('when two or three breakdowns of sparse combinations are published, with or without their pair, then no hidden cell narrows below min(k, invited)', async () => {
    const atomArb = fc.record({
      a: fc.integer({ min: 0, max: 3 }),
      b: fc.integer({ min: 0, max: 2 }),
      c: fc.integer({ min: 0, max: 1 }),
      n: fc.integer({ min: 0, max: 14 }),
      slack: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(atomArb, { minLength: 2, maxLength: 14, selector: (x) => `${x.a}${x.b}${x.c}` }),
        fc.integer({ min: 3, max: 6 }),
        fc.boolean(),
        async (raw, k, withPair) => {
          const atoms = raw.map((x) => ({ id: `${x.a}${x.b}${x.c}`, n: x.n, upper: upperOf(x) }));
          const tables = [
            total(atoms),
            partition('a', atoms, (x) => x.id[0]!),
            partition('b', atoms, (x) => x.id[1]!),
            partition('c', atoms, (x) => x.id[2]!),
          ];
          if (withPair) tables.push(partition('a×b', atoms, (x) => x.id.slice(0, 2)));
          await assertSafe(atoms, tables, k);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('when cells are forced hidden (another wave, another family), then they stay hidden and are protected too', async () => {
    const atoms = [
      { id: 'a', n: 30, upper: Infinity },
      { id: 'b', n: 20, upper: Infinity },
      { id: 'c', n: 25, upper: Infinity },
    ];
    const hidden = await assertSafe(atoms, oneDimension(atoms), 5, ['group=b']);
    expect([...hidden].sort()).toEqual(['group=b', 'group=c']);
  });

  it('when a single small cell sits beside a total, then a second cell is hidden with it (no subtraction)', async () => {
    const atoms = [
      { id: 'Support', n: 40, upper: Infinity },
      { id: 'Sales', n: 12, upper: Infinity },
      { id: 'Legal', n: 2, upper: Infinity },
    ];
    expect([...(await protect(atoms, oneDimension(atoms), 5))].sort()).toEqual(['group=Legal', 'group=Sales']);
  });

  it('when the worked example of docs/reports.md is protected, then other and Engineering are hidden', async () => {
    const atoms = [
      { id: 'Customer Support', n: 23, upper: Infinity },
      { id: 'Sales', n: 9, upper: Infinity },
      { id: 'Engineering', n: 6, upper: Infinity },
      { id: 'other', n: 3, upper: Infinity },
    ];
    expect([...(await protect(atoms, oneDimension(atoms), 5))].sort()).toEqual(['group=Engineering', 'group=other']);
  });

  it('when the same data is protected twice, then the pattern is the same', async () => {
    const atoms = [
      { id: 'a', n: 7, upper: Infinity },
      { id: 'b', n: 7, upper: Infinity },
      { id: 'c', n: 1, upper: Infinity },
    ];
    expect([...(await protect(atoms, oneDimension(atoms), 5))]).toEqual([
      ...(await protect(atoms, oneDimension(atoms), 5)),
    ]);
  });
});
