import { describe, expect, it } from 'vitest';
import { stuffedCells, type StuffingInput } from '../../src/reports/stuffing.ts';

/** One wave over (department, location): atoms as released, tables as patterns.ts builds them. */
function wave(atoms: Array<[string, string, number]>, invited: Array<[string, string, number, number]>): StuffingInput {
  const byLocation = new Map<string, number[]>();
  atoms.forEach(([, location], i) => byLocation.set(location, [...(byLocation.get(location) ?? []), i]));
  return {
    atoms: atoms.map(([department, location, respondents]) => ({
      values: [department, location],
      counts: { respondents },
    })),
    tables: [
      { id: 'total', cells: [{ id: 'total', atoms: atoms.map((_, i) => i) }] },
      { id: 'location', cells: [...byLocation].map(([location, members]) => ({ id: location, atoms: members })) },
    ],
    invited: invited.map(([department, location, n, suspect]) => ({
      values: [department, location],
      n,
      suspect,
      revoked: 0,
    })),
  };
}

describe('stuffedCells (issue 13)', () => {
  it('P2 when a cell holds suspect tokens and fewer than k genuine invitations, then it is withheld', () => {
    const w = wave(
      [
        ['Support', 'Seoul', 8],
        ['Support', 'Annex', 5],
      ],
      [
        ['Support', 'Seoul', 10, 0],
        ['Support', 'Annex', 5, 4],
      ],
    );
    expect(stuffedCells(w, 5)).toEqual(['Annex']);
  });

  it('P2 when a segment holds only suspect tokens (a kiosk-only segment), then it is not withheld', () => {
    const w = wave(
      [
        ['Support', 'Seoul', 8],
        ['Ops', 'Depot', 5],
      ],
      [
        ['Support', 'Seoul', 10, 0],
        ['Ops', 'Depot', 5, 5],
      ],
    );
    expect(stuffedCells(w, 5)).toEqual([]);
  });

  it('P2 when no cell holds suspect tokens, then nothing is withheld, however small', () => {
    const w = wave([['Support', 'Annex', 2]], [['Support', 'Annex', 2, 0]]);
    expect(stuffedCells(w, 5)).toEqual([]);
  });

  it('P2 when a value was generalised to "other", then its cell counts every combination it may stand for', () => {
    const w = wave(
      [
        ['Support', 'Seoul', 8],
        ['Support', 'other', 9],
      ],
      [
        ['Support', 'Seoul', 14, 0],
        ['Support', 'Annex', 5, 4],
      ],
    );
    // "other" may stand for Seoul as well: 15 genuine invitations, 5 respondents beyond the 4 suspect.
    expect(stuffedCells(w, 5)).toEqual([]);
    w.invited[0]!.n = 2;
    w.atoms[0]!.counts.respondents = 2;
    w.atoms[1]!.counts.respondents = 5;
    // Now "other" stands for at most 3 genuine people.
    expect(stuffedCells(w, 5)).toEqual(['total', 'other']);
  });
});
