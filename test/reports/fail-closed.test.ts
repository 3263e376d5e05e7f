import { describe, expect, it } from 'vitest';
import { protect, Unproven, type Table } from '../../src/reports/disclosure.ts';

// One department under k beside three larger ones, with the total: the small one alone hidden
// would be the total minus the others, so the engine must hide a complement, and it must ask
// HiGHS both for the attacker's interval and for the complement to find that out.
const atoms = [
  { n: 20, upper: 30 },
  { n: 12, upper: 20 },
  { n: 2, upper: 8 },
  { n: 9, upper: 15 },
];
const tables: Table[] = [
  { id: 'total', cells: [{ id: 'total', atoms: [0, 1, 2, 3] }] },
  { id: 'department', cells: atoms.map((_, i) => ({ id: `d${i}`, atoms: [i] })) },
];
const K = 5;

describe('P9 the disclosure engine fails closed', () => {
  it('when HiGHS proves its optima, then the small cell and a complement are hidden', async () => {
    const hidden = await protect(atoms, tables, K);
    expect(hidden.has('d2')).toBe(true);
    expect(hidden.size).toBeGreaterThanOrEqual(2);
  });

  it("P9 when the attacker's solve stops at a time limit, then no pattern is returned (never 'unbounded, so safe')", async () => {
    await expect(protect(atoms, tables, K, [], { time_limit: 0 })).rejects.toThrow(Unproven);
  });

  it("P9 when the complement search stops at a node limit, then no pattern is returned (never 'as wide as it can be')", async () => {
    await expect(protect(atoms, tables, K, [], { mip_max_nodes: 0 })).rejects.toThrow(/complement search/);
  });

  it('P9 when the solver itself errs, then the error reaches the caller', async () => {
    await expect(protect(atoms, tables, K, [], { no_such_option: 1 })).rejects.toThrow();
  });
});
