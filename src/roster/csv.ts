import { parse } from 'csv-parse/sync';
import type { RawRow, RowProblem } from './rows.ts';

const FIXED = new Set(['external_id', 'email', 'name']);

/**
 * Reads a roster CSV (UTF-8, optional BOM): columns external_id, email, name, and one column per
 * declared dimension. Unknown columns are refused up front rather than silently dropped.
 */
export function parseRosterCsv(text: string, dimensions: Set<string>): { rows: RawRow[]; problems: RowProblem[] } {
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: false, trim: true });
  } catch (error) {
    const line = (error as { lines?: number }).lines ?? 1;
    return {
      rows: [],
      problems: [
        { row: line, field: '(csv)', reason: (error as Error).message.replace(/^Invalid Record Length: /, '') },
      ],
    };
  }
  const [header, ...body] = records;
  if (!header) return { rows: [], problems: [{ row: 1, field: '(csv)', reason: 'the file is empty' }] };
  const columns = header.map((h) => h.toLowerCase());
  const problems: RowProblem[] = [];
  if (!columns.includes('external_id')) problems.push({ row: 1, field: 'external_id', reason: 'column is missing' });
  for (const column of columns) {
    if (!FIXED.has(column) && !dimensions.has(column))
      problems.push({
        row: 1,
        field: column,
        reason: 'is not a declared attribute dimension (PUT /v1/roster/dimensions)',
      });
  }
  if (new Set(columns).size !== columns.length)
    problems.push({ row: 1, field: '(header)', reason: 'a column appears twice' });
  if (problems.length > 0) return { rows: [], problems };

  const rows = body.map((cells) => {
    const attributes: Record<string, string> = {};
    let externalId = '';
    let email = '';
    let name = '';
    cells.forEach((cell, i) => {
      const column = columns[i]!;
      if (column === 'external_id') externalId = cell;
      else if (column === 'email') email = cell;
      else if (column === 'name') name = cell;
      else attributes[column] = cell;
    });
    return { externalId, email, name, attributes };
  });
  return { rows, problems };
}
