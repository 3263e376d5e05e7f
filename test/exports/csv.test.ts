import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { neutraliseFormula, toCsv } from '../../src/exports/csv.ts';

// OWASP "CSV Injection" starters, and compatibility forms that NFKC folds into them.
const STARTERS = ['=', '+', '-', '@', '\t', '\r'];
const LOOKALIKES = ['＝', '＋', '－', '＠', '﹦', '﹢', '﹣', '﹫', '⁼', '⁺', '₌', '₊'];
const startsFormula = (cell: string) => /^[=+\-@\t\r]/.test(cell.normalize('NFKC'));

const anyText = fc.string({ unit: 'grapheme', maxLength: 30 });
const formulaLike = fc
  .tuple(fc.constantFrom(...STARTERS, ...LOOKALIKES), anyText)
  .map(([start, rest]) => `${start}${rest}`);

describe('CSV export formula guard', () => {
  it('when a cell starts with a formula character or its full-width or small form, then it is prefixed with an apostrophe', () => {
    fc.assert(
      fc.property(formulaLike, (cell) => {
        expect(neutraliseFormula(cell)).toBe(`'${cell}`);
      }),
      { numRuns: 2000 },
    );
  });

  it('when any text is exported, then no parsed cell starts a formula and the text is kept after the apostrophe', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(anyText, formulaLike), { minLength: 1, maxLength: 8 }), (cells) => {
        const [, row] = parse(
          toCsv(
            cells.map((_, i) => `c${i}`),
            [cells],
          ),
          { bom: true },
        ) as string[][];
        row!.forEach((exported, i) => {
          expect(startsFormula(exported)).toBe(false);
          expect([cells[i], `'${cells[i]}`]).toContain(exported);
        });
      }),
      { numRuns: 1000 },
    );
  });
});
