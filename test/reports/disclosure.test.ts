import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { protect, type Cell } from '../../src/reports/disclosure.ts';
import { attack } from '../helpers/lp-attacker.ts';

const cellArb = fc.record({ n: fc.integer({ min: 0, max: 40 }), slack: fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined }) });

async function assertSafe(cells: Cell[], margins: string[][], k: number) {
  const { suppressed, hiddenMargins } = await protect(cells, margins, k);
  for (const c of cells) if (c.n < k) expect(suppressed.has(c.id), `${c.id} (n=${c.n}) must be hidden`).toBe(true);
  const published = margins.map((m, i) => ({ cells: m, total: m.reduce((s, id) => s + cells.find((c) => c.id === id)!.n, 0), hidden: hiddenMargins.has(i) })).filter((m) => !m.hidden);
  const intervals = await attack(cells, published, suppressed);
  for (const [id, [lo, hi]] of intervals) {
    const cell = cells.find((c) => c.id === id)!;
    expect(hi - lo, `${id}: n=${cell.n} narrowed to [${lo}, ${hi}]`).toBeGreaterThanOrEqual(Math.min(k, cell.upper));
  }
}

describe('complementary suppression against a linear-programming attacker', () => {
  it('when one dimension is published with its total, then no hidden cell narrows below min(k, invited)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(cellArb, { minLength: 1, maxLength: 9 }), fc.integer({ min: 3, max: 10 }), async (raw, k) => {
        const cells = raw.map((c, i) => ({ id: `g${i}`, n: c.n, upper: c.slack === undefined ? Infinity : c.n + c.slack }));
        await assertSafe(cells, [cells.map((c) => c.id)], k);
      }),
      { numRuns: 150 },
    );
  });

  it('when a pair of dimensions is published with row, column and grand totals, then no hidden cell narrows below min(k, invited)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.array(cellArb, { minLength: 16, maxLength: 16 }), fc.integer({ min: 3, max: 8 }), async (rows, cols, raw, k) => {
        const cells: Cell[] = [];
        for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) {
          const x = raw[r * cols + c]!;
          cells.push({ id: `${r}:${c}`, n: x.n, upper: x.slack === undefined ? Infinity : x.n + x.slack });
        }
        const margins = [
          ...Array.from({ length: rows }, (_, r) => cells.filter((c) => c.id.startsWith(`${r}:`)).map((c) => c.id)),
          ...Array.from({ length: cols }, (_, c) => cells.filter((x) => x.id.endsWith(`:${c}`)).map((x) => x.id)),
          cells.map((c) => c.id),
        ];
        await assertSafe(cells, margins, k);
      }),
      { numRuns: 150 },
    );
  });

  it('when a single small cell sits beside a total, then a second cell is hidden with it (no subtraction)', async () => {
    const cells = [{ id: 'Support', n: 40, upper: Infinity }, { id: 'Sales', n: 12, upper: Infinity }, { id: 'Legal', n: 2, upper: Infinity }];
    expect([...(await protect(cells, [cells.map((c) => c.id)], 5)).suppressed].sort()).toEqual(['Legal', 'Sales']);
  });

  it('when the worked example of docs/reports.md is protected, then other and Engineering are hidden', async () => {
    const cells = [
      { id: 'Customer Support', n: 23, upper: Infinity },
      { id: 'Sales', n: 9, upper: Infinity },
      { id: 'Engineering', n: 6, upper: Infinity },
      { id: 'other', n: 3, upper: Infinity },
    ];
    expect([...(await protect(cells, [cells.map((c) => c.id)], 5)).suppressed].sort()).toEqual(['Engineering', 'other']);
  });

  it('when the same data is protected twice, then the pattern is the same', async () => {
    const cells = [{ id: 'a', n: 7, upper: Infinity }, { id: 'b', n: 7, upper: Infinity }, { id: 'c', n: 1, upper: Infinity }];
    expect([...(await protect(cells, [['a', 'b', 'c']], 5)).suppressed]).toEqual([...(await protect(cells, [['a', 'b', 'c']], 5)).suppressed]);
  });
});
