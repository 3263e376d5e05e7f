import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { toCsv } from '../exports/csv.ts';
import { codeSheetContext } from '../invitations/service.ts';
import { renderCodeSheet, SHEET_STYLE_HASH } from '../invitations/sheet.ts';
import type { DistributionEntry } from './service.ts';

/** Where an invitation token leads: the employee's link page (the token leaves the URL on first use, P5). */
export const invitationLink = (publicUrl: string, token: string) => `${publicUrl}/s/${token}`;

/** The mail-merge file of a download wave's named links: the API's Accept: text/csv and the dashboard's. */
export function invitationsCsv(publicUrl: string, distribution: DistributionEntry[]): string {
  return toCsv(
    ['external_id', 'email', 'name', 'link', 'code'],
    distribution.map((d) => [d.externalId, d.email, d.name, invitationLink(publicUrl, d.token), d.code]),
  );
}

/** The printable sheet needs its one inline style and nothing else. */
export const CODE_SHEET_CSP = `default-src 'none'; style-src ${SHEET_STYLE_HASH}; frame-ancestors 'none'`;

/** A pool's printable code sheet (cards with the kiosk address, never a token: P5, P7). */
export async function printableCodeSheet(
  db: Kysely<Database>,
  orgId: string,
  surveyId: string,
  publicUrl: string,
  codes: string[],
): Promise<string> {
  const sheet = await codeSheetContext(db, orgId, surveyId);
  return renderCodeSheet({ ...sheet, kioskUrl: `${publicUrl}/k/${sheet.slug}`, codes });
}
