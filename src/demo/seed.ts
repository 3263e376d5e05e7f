import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { generatePassword } from '../auth/passwords.ts';
import { createOrganizationWithOwner } from '../orgs/service.ts';

export const DEMO_ORG_SLUG = 'demo';
export const DEMO_OWNER_EMAIL = 'owner@demo.example';

/** Demo mode on an empty database: one organization and its owner, whose password is returned once. */
export async function seedDemo(db: Kysely<Database>, minGroupSize: number): Promise<{ password: string } | null> {
  const any = await db.selectFrom('organizations').select('id').limit(1).executeTakeFirst();
  if (any) return null;
  const password = generatePassword();
  await createOrganizationWithOwner(db, { slug: DEMO_ORG_SLUG, name: 'Demo Organization', minGroupSize, ownerEmail: DEMO_OWNER_EMAIL, ownerPassword: password });
  return { password };
}
