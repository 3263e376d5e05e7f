import { randomBytes } from 'node:crypto';
import type { App } from '../../src/app.ts';
import type { Role } from '../../src/db/schema.ts';
import { hashPassword } from '../../src/auth/passwords.ts';
import { createOrganizationWithOwner } from '../../src/orgs/service.ts';

export const PASSWORD = 'correct horse battery staple';

export interface TestOrg {
  id: string;
  slug: string;
  ownerEmail: string;
}

export async function buildOrganization(
  app: App,
  overrides: { slug?: string; minGroupSize?: number } = {},
): Promise<TestOrg> {
  const slug = overrides.slug ?? `org-${randomBytes(4).toString('hex')}`;
  const ownerEmail = `owner@${slug}.example`;
  const { org } = await createOrganizationWithOwner(app.db, {
    slug,
    name: `Org ${slug}`,
    minGroupSize: overrides.minGroupSize ?? 5,
    ownerEmail,
    ownerPassword: PASSWORD,
  });
  return { id: org.id, slug, ownerEmail };
}

export async function buildAccount(app: App, org: TestOrg, role: Role): Promise<{ id: string; email: string }> {
  const email = `${role}-${randomBytes(3).toString('hex')}@${org.slug}.example`;
  const row = await app.db
    .insertInto('hr_accounts')
    .values({ org_id: org.id, email, role, password_hash: await hashPassword(PASSWORD) })
    .returning(['id', 'email'])
    .executeTakeFirstOrThrow();
  return row;
}

/** Each call comes from its own client address unless one is given, so the per-address rate limit stays out of the way. */
export async function login(
  app: App,
  org: TestOrg,
  email: string,
  password = PASSWORD,
  options: { remoteAddress?: string; cookies?: Record<string, string> } = {},
) {
  return app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    payload: { organization: org.slug, email, password },
    remoteAddress: options.remoteAddress ?? randomAddress(),
    ...(options.cookies ? { cookies: options.cookies } : {}),
  });
}

export const randomAddress = () => `10.${[...randomBytes(3)].join('.')}`;

/** A session token for a new account of the given role (or the owner). */
export async function tokenFor(app: App, org: TestOrg, role: Role): Promise<string> {
  const email = role === 'owner' ? org.ownerEmail : (await buildAccount(app, org, role)).email;
  const response = await login(app, org, email);
  if (response.statusCode !== 200) throw new Error(`login failed: ${response.body}`);
  return (response.json() as { token: string }).token;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
