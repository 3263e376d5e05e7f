import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { parseRosterCsv } from './csv.ts';
import { validateRows, type RawRow, type RosterRow, type RowProblem } from './rows.ts';
import { ImportRejected, listDimensions } from './service.ts';

/**
 * A roster file (CSV text or JSON rows) checked against the declared dimensions, all or nothing:
 * the rows ready for importRoster, or ImportRejected with row, field and reason for each problem.
 * The API's import and the dashboard's upload both go through here, so they accept the same files.
 */
export async function checkRosterImport(
  db: Kysely<Database>,
  orgId: string,
  body: string | RawRow[],
): Promise<RosterRow[]> {
  const dimensions = new Set((await listDimensions(db, orgId)).map((d) => d.key));
  let raw: RawRow[];
  let rowNumber: (index: number) => number;
  let problems: RowProblem[] = [];
  if (typeof body === 'string') {
    ({ rows: raw, problems } = parseRosterCsv(body, dimensions));
    rowNumber = (i) => i + 2; // the header is line 1
  } else {
    raw = body;
    rowNumber = (i) => i + 1;
  }
  const checked = problems.length > 0 ? { rows: [], problems } : validateRows(raw, dimensions, rowNumber);
  if (checked.problems.length > 0) throw new ImportRejected(checked.problems);
  return checked.rows;
}
