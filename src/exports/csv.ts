import { stringify } from 'csv-stringify/sync';

// OWASP "CSV Injection": a cell starting with = + - @, a tab or a carriage return is run as a formula.
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * Spreadsheet formula injection: such cells are prefixed with an apostrophe, which spreadsheets
 * display as plain text. The check runs on the NFKC form because spreadsheets (Excel with East
 * Asian input in particular) fold compatibility characters: a full-width ＝ or a small ﹢ starts a
 * formula just like = and +. The original text is kept; only the apostrophe is added.
 */
export function neutraliseFormula(value: string): string {
  return FORMULA_START.test(value.normalize('NFKC')) ? `'${value}` : value;
}

export function toCsv(header: string[], rows: Array<Array<string | number | boolean | null>>): string {
  return stringify(
    [
      header,
      ...rows.map((r) => r.map((v) => (typeof v === 'string' ? neutraliseFormula(v) : v === null ? '' : String(v)))),
    ],
    { bom: true },
  );
}
