import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Keys } from '../crypto/tokens.ts';
import { generatePassword, verifyPassword } from '../auth/passwords.ts';
import { createOrganizationWithOwner } from '../orgs/service.ts';
import { importRoster, replaceDimensions } from '../roster/service.ts';
import { createSurvey, openWave } from '../surveys/service.ts';

export const DEMO_ORG_SLUG = 'demo';
export const DEMO_OWNER_EMAIL = 'owner@demo.example';

const DEPARTMENTS: Array<[string, number]> = [
  ['Customer Support', 24],
  ['Sales', 10],
  ['Engineering', 8],
  ['Legal', 2],
];
const NAMES = [
  '김민준',
  'Zofia Nowak',
  'Olivia Smith',
  '이서연',
  'Jakub Wójcik',
  'Noah Jones',
  '박도윤',
  'Łucja Kamińska',
];

export interface DemoSeed {
  password: string;
  sample: { token: string; code: string; surveyTitle: string };
}

/**
 * Demo mode on an empty database: one organization and its owner (password returned once), a
 * small roster, and a weekly pulse with its first wave open, so there is a real link to try.
 */
export async function seedDemo(
  db: Kysely<Database>,
  keys: Keys,
  minGroupSize: number,
  publicUrl: string,
): Promise<DemoSeed | null> {
  const any = await db.selectFrom('organizations').select('id').limit(1).executeTakeFirst();
  if (any) return null;
  const password = generatePassword();
  const { org } = await createOrganizationWithOwner(db, {
    slug: DEMO_ORG_SLUG,
    name: 'Demo Organization',
    minGroupSize,
    ownerEmail: DEMO_OWNER_EMAIL,
    ownerPassword: password,
  });
  await replaceDimensions(db, org.id, [
    { key: 'department', label: 'Department', reportable: true },
    { key: 'location', label: 'Location', reportable: true },
  ]);
  let n = 0;
  const rows = DEPARTMENTS.flatMap(([department, size]) =>
    Array.from({ length: size }, () => {
      n++;
      return {
        externalId: `D${String(n).padStart(3, '0')}`,
        email: n % 3 === 0 ? null : `employee${n}@demo.example`,
        name: NAMES[n % NAMES.length]!,
        attributes: { department, location: n % 2 ? 'Seoul' : 'Warszawa' },
      };
    }),
  );
  await importRoster(db, org.id, rows, 'upsert');
  // Named links (the weaker, explicit mode), so the demo can print one to try; the scheduler never
  // reopens a download survey (nobody would receive its links).
  const survey = await createSurvey(db, org.id, { template: 'pulse', schedule: 'weekly', delivery: 'download' });
  const { distribution } = await openWave(db, keys, org.id, survey.id, { publicUrl, emailEnabled: false });
  const first = distribution[0]!;
  return {
    password,
    sample: { token: first.token, code: first.code, surveyTitle: survey.definition.title.en ?? 'Weekly pulse' },
  };
}

/** True while the generated password still opens the demo owner's account (it has not been changed). */
export async function demoOwnerPasswordWorks(db: Kysely<Database>, password: string): Promise<boolean> {
  const owner = await db
    .selectFrom('hr_accounts')
    .innerJoin('organizations', 'organizations.id', 'hr_accounts.org_id')
    .select('hr_accounts.password_hash')
    .where('organizations.slug', '=', DEMO_ORG_SLUG)
    .where('hr_accounts.email', '=', DEMO_OWNER_EMAIL)
    .executeTakeFirst();
  return owner ? verifyPassword(owner.password_hash, password) : false;
}
