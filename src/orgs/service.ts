import type { Kysely } from 'kysely';
import type { Database, Organization } from '../db/schema.ts';
import { Conflict, NotFound, ValidationFailed } from '../errors.ts';
import { hashPassword } from '../auth/passwords.ts';
import { isUniqueViolation } from '../db/connection.ts';
import { reportableDimensions } from '../roster/attributes.ts';

export interface NewOrganizationInput {
  slug: string;
  name: string;
  minGroupSize: number;
  ownerEmail: string;
  ownerPassword: string;
}

/**
 * The only way an organization and its first owner come to be: the operator's CLI (or demo mode).
 * No HTTP route does this, so nobody can claim the first admin of a running public instance.
 */
export async function createOrganizationWithOwner(db: Kysely<Database>, input: NewOrganizationInput) {
  const passwordHash = await hashPassword(input.ownerPassword);
  const created = db.transaction().execute(async (trx) => {
    const org = await trx
      .insertInto('organizations')
      .values({ slug: input.slug, name: input.name, min_group_size: input.minGroupSize })
      .returningAll()
      .executeTakeFirstOrThrow();
    const owner = await trx
      .insertInto('hr_accounts')
      .values({ org_id: org.id, email: input.ownerEmail.toLowerCase(), password_hash: passwordHash, role: 'owner' })
      .returning(['id', 'email', 'role'])
      .executeTakeFirstOrThrow();
    return { org, owner };
  });
  return created.catch((error: unknown) => {
    if (isUniqueViolation(error, 'organizations_slug_key'))
      throw new Conflict('slug-taken', `An organization with slug "${input.slug}" already exists.`);
    throw error;
  });
}

export async function getOrganization(db: Kysely<Database>, orgId: string): Promise<Organization> {
  const org = await db.selectFrom('organizations').selectAll().where('id', '=', orgId).executeTakeFirst();
  if (!org) throw new NotFound('Organization');
  return org;
}

export interface OrganizationChanges {
  name?: string | undefined;
  minGroupSize?: number | undefined;
  commentMinGroupSize?: number | null | undefined;
  reportablePairs?: Array<[string, string]> | undefined;
  responseRetentionMonths?: number | null | undefined;
  defaultLanguage?: string | null | undefined;
}

export async function updateOrganization(
  db: Kysely<Database>,
  orgId: string,
  changes: OrganizationChanges,
): Promise<Organization> {
  if (changes.reportablePairs) {
    const reportable = new Set(await reportableDimensions(db, orgId));
    const bad = changes.reportablePairs.flatMap((pair, i) => [
      ...pair
        .filter((d) => !reportable.has(d))
        .map((d) => ({ field: `body.reportablePairs.${i}`, message: `${d} is not a reportable dimension` })),
      // A dimension crossed with itself is no pair: refused, so a bad request changes nothing.
      ...(pair[0] === pair[1] ? [{ field: `body.reportablePairs.${i}`, message: 'a pair needs two dimensions' }] : []),
    ]);
    if (bad.length) throw new ValidationFailed(bad);
  }
  const org = await db
    .updateTable('organizations')
    .set({
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      ...(changes.minGroupSize !== undefined ? { min_group_size: changes.minGroupSize } : {}),
      ...(changes.commentMinGroupSize !== undefined ? { comment_min_group_size: changes.commentMinGroupSize } : {}),
      ...(changes.reportablePairs !== undefined ? { reportable_pairs: JSON.stringify(changes.reportablePairs) } : {}),
      ...(changes.responseRetentionMonths !== undefined
        ? { response_retention_months: changes.responseRetentionMonths }
        : {}),
      ...(changes.defaultLanguage !== undefined ? { default_language: changes.defaultLanguage } : {}),
    })
    .where('id', '=', orgId)
    .returningAll()
    .executeTakeFirst();
  if (!org) throw new NotFound('Organization');
  return org;
}

/**
 * Removes an organization and everything it owns. Every tenant table reaches `organizations`
 * through ON DELETE CASCADE foreign keys or, for the bulk tables (participants, invitations), the
 * delete triggers that replaced their per-row keys (migrations/20261201_008), so one statement
 * removes it all, atomically.
 */
export async function deleteOrganization(db: Kysely<Database>, orgId: string, confirmSlug: string): Promise<void> {
  const result = await db
    .deleteFrom('organizations')
    .where('id', '=', orgId)
    .where('slug', '=', confirmSlug)
    .executeTakeFirst();
  if (result.numDeletedRows === 0n)
    throw new ValidationFailed([{ field: 'body.confirm', message: "must be the organization's slug" }]);
}

/** What mail and the employee pages say about the employer (issue 14): its name and default language. */
export async function readerFacingOrganization(
  db: Kysely<Database>,
  orgId: string,
): Promise<{ organizationName: string; defaultLanguage: string | null }> {
  const org = await db
    .selectFrom('organizations')
    .select(['name', 'default_language'])
    .where('id', '=', orgId)
    .executeTakeFirst();
  if (!org) throw new NotFound('Organization');
  return { organizationName: org.name, defaultLanguage: org.default_language };
}
