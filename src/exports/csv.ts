import { stringify } from 'csv-stringify/sync';

/**
 * Spreadsheet formula injection: a cell starting with = + - @ (or a tab/CR) is run as a formula
 * by Excel and friends. Such cells are prefixed with an apostrophe, which spreadsheets display
 * as plain text (OWASP "CSV Injection").
 */
export function neutraliseFormula(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
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
