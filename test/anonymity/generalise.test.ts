import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { generalise, OTHER } from '../../src/anonymity/generalise.ts';

const DIMS = ['department', 'location', 'tenure_band'];

const rowsArb = fc.array(
  fc.record({
    department: fc.constantFrom('Support', 'Sales', 'Legal', 'Data Protection', 'Engineering'),
    location: fc.constantFrom('Seoul', 'Busan', 'Warszawa', 'Gdańsk'),
    tenure_band: fc.constantFrom('<1y', '1-3y', '10y+'),
  }),
  { minLength: 0, maxLength: 120 },
);

const combos = (released: Array<Record<string, string | null>>) => {
  const counts = new Map<string, number>();
  for (const r of released) counts.set(JSON.stringify(r), (counts.get(JSON.stringify(r)) ?? 0) + 1);
  return counts;
};

describe('P1 generalise (the mixer, against T3)', () => {
  it('when a batch has at least k rows, then every released combination stands for at least k of them', () => {
    fc.assert(
      fc.property(rowsArb, fc.integer({ min: 3, max: 12 }), (rows, k) => {
        fc.pre(rows.length >= k);
        const released = generalise(rows, DIMS, k);
        expect(released).toHaveLength(rows.length);
        for (const [combo, n] of combos(released)) expect(n, combo).toBeGreaterThanOrEqual(k);
      }),
      { numRuns: 500 },
    );
  });

  it('when a value is released, then it is the row\'s own value or "other" — never another row\'s', () => {
    fc.assert(
      fc.property(rowsArb, fc.integer({ min: 3, max: 8 }), (rows, k) => {
        const released = generalise(rows, DIMS, k);
        released.forEach((r, i) => {
          for (const d of DIMS) expect([rows[i]![d as keyof (typeof rows)[number]], OTHER, null]).toContain(r[d]);
        });
      }),
    );
  });

  it('when groups are large, then nothing is generalised', () => {
    const rows = Array.from({ length: 20 }, (_, i) => ({
      department: i < 10 ? 'Support' : 'Sales',
      location: 'Seoul',
      tenure_band: '1-3y',
    }));
    expect(generalise(rows, DIMS, 5)).toEqual(rows);
  });

  it('when two tiny departments sit beside a big one, then they merge into "other" and keep their location', () => {
    const rows = [
      ...Array.from({ length: 10 }, () => ({ department: 'Support', location: 'Seoul' })),
      ...Array.from({ length: 3 }, () => ({ department: 'Legal', location: 'Seoul' })),
      ...Array.from({ length: 2 }, () => ({ department: 'Data Protection', location: 'Seoul' })),
    ];
    const released = generalise(rows, ['department', 'location'], 5);
    expect(released.slice(10).every((r) => r.department === OTHER && r.location === 'Seoul')).toBe(true);
    expect(released.slice(0, 10).every((r) => r.department === 'Support')).toBe(true);
  });

  it('when a batch is smaller than k, then everything is released without attributes', () => {
    const released = generalise([{ department: 'Legal' }, { department: 'Legal' }], ['department'], 5);
    expect(released).toEqual([{ department: null }, { department: null }]);
  });
});
