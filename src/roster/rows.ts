import { z } from 'zod';
import { isStorable } from '../db/text.ts';
import type { Attributes } from '../db/schema.ts';

export interface RosterRow {
  externalId: string;
  email: string | null;
  name: string | null;
  attributes: Attributes;
}

export interface RowProblem {
  row: number;
  field: string;
  reason: string;
}

export interface RawRow {
  externalId: unknown;
  email?: unknown;
  name?: unknown;
  attributes?: Record<string, unknown> | undefined;
}

const email = z.email();
const MAX_PROBLEMS = 200;

/**
 * Checks every row of an import against the declared dimensions. Row numbers are those a person
 * sees: the CSV line (header = 1) or the 1-based JSON array position.
 */
export function validateRows(
  raw: RawRow[],
  dimensions: Set<string>,
  rowNumber: (index: number) => number,
): { rows: RosterRow[]; problems: RowProblem[] } {
  const problems: RowProblem[] = [];
  const rows: RosterRow[] = [];
  const seen = new Map<string, number>();
  const text = (value: unknown, row: number, field: string, max: number, required: boolean): string | null => {
    if (value === undefined || value === null || value === '') {
      if (required) problems.push({ row, field, reason: 'is required' });
      return null;
    }
    if (typeof value !== 'string' && typeof value !== 'number') {
      problems.push({ row, field, reason: 'must be text' });
      return null;
    }
    const s = String(value).trim();
    if (s.length > max) problems.push({ row, field, reason: `is longer than ${max} characters` });
    else if (!isStorable(s)) problems.push({ row, field, reason: 'contains a NUL character or invalid Unicode' });
    else if (s === '' && required) problems.push({ row, field, reason: 'is required' });
    else return s === '' ? null : s;
    return null;
  };

  raw.forEach((r, index) => {
    if (problems.length >= MAX_PROBLEMS) return;
    const row = rowNumber(index);
    const before = problems.length;
    const externalId = text(r.externalId, row, 'external_id', 200, true);
    let mail = text(r.email, row, 'email', 254, false);
    if (mail !== null) {
      mail = mail.toLowerCase();
      if (!email.safeParse(mail).success) problems.push({ row, field: 'email', reason: 'is not an e-mail address' });
    }
    const name = text(r.name, row, 'name', 200, false);
    const attributes: Attributes = {};
    for (const [key, value] of Object.entries(r.attributes ?? {})) {
      if (!dimensions.has(key)) {
        problems.push({ row, field: key, reason: 'is not a declared attribute dimension (PUT /v1/roster/dimensions)' });
        continue;
      }
      const v = text(value, row, key, 200, false);
      if (v !== null) attributes[key] = v;
    }
    if (externalId !== null) {
      const first = seen.get(externalId);
      if (first !== undefined) problems.push({ row, field: 'external_id', reason: `duplicates row ${first}` });
      else seen.set(externalId, row);
    }
    if (problems.length === before && externalId !== null) rows.push({ externalId, email: mail, name, attributes });
  });
  return { rows, problems };
}
