import { sql, type Kysely } from 'kysely';
import type { Database, Role } from '../db/schema.ts';
import { TooManyRequests, Unauthenticated } from '../errors.ts';
import { keyedHash, newToken, type Keys } from '../crypto/tokens.ts';
import { burnVerifyTime, hashPassword, needsRehash, verifyPassword } from './passwords.ts';
import {
  clearFailures,
  clientClass,
  issueDeviceCookie,
  lockedForSeconds,
  loginSubject,
  recordFailure,
} from './lockout.ts';
import type { Principal } from './principal.ts';

export const SESSION_PREFIX = 'qs';
export const API_KEY_PREFIX = 'qk';

export interface LoginInput {
  organization: string;
  email: string;
  password: string;
  deviceCookie: string | undefined;
}

export interface LoginResult {
  token: string;
  expiresAt: Date;
  deviceCookie: string;
  account: { id: string; email: string; role: Role };
  organization: { id: string; slug: string; name: string };
}

const INVALID = () =>
  new Unauthenticated('The organization, e-mail or password is not correct.', 'invalid-credentials');

export async function login(
  db: Kysely<Database>,
  keys: Keys,
  ttlMinutes: number,
  input: LoginInput,
): Promise<LoginResult> {
  const org = await db
    .selectFrom('organizations')
    .select(['id', 'slug', 'name'])
    .where('slug', '=', input.organization)
    .executeTakeFirst();
  if (!org) {
    await burnVerifyTime(input.password);
    throw INVALID();
  }

  const subject = loginSubject(keys, org.id, input.email);
  const client = clientClass(keys, subject, input.deviceCookie);
  const locked = await lockedForSeconds(db, org.id, subject, client);
  if (locked > 0) {
    throw new TooManyRequests('login-locked', 'Too many failed logins; try again later.', locked);
  }

  const account = await db
    .selectFrom('hr_accounts')
    .select(['id', 'email', 'role', 'password_hash'])
    .where('org_id', '=', org.id)
    .where('email', '=', input.email)
    .executeTakeFirst();
  const valid = account
    ? await verifyPassword(account.password_hash, input.password)
    : await burnVerifyTime(input.password);
  if (!account || !valid) {
    await recordFailure(db, org.id, subject, client);
    throw INVALID();
  }

  await clearFailures(db, org.id, subject, client);
  // Expired sessions are dead weight; each login sweeps its own account's.
  await db
    .deleteFrom('sessions')
    .where('org_id', '=', org.id)
    .where('account_id', '=', account.id)
    .where('expires_at', '<=', sql<Date>`now()`)
    .execute();
  if (needsRehash(account.password_hash)) {
    await db
      .updateTable('hr_accounts')
      .set({ password_hash: await hashPassword(input.password) })
      .where('org_id', '=', org.id)
      .where('id', '=', account.id)
      .execute();
  }
  const token = newToken(SESSION_PREFIX);
  const { expires_at } = await db
    .insertInto('sessions')
    .values({
      org_id: org.id,
      account_id: account.id,
      token_hash: keyedHash(keys.session, token),
      expires_at: sql<Date>`now() + make_interval(mins => ${ttlMinutes})`,
    })
    .returning('expires_at')
    .executeTakeFirstOrThrow();
  return {
    token,
    expiresAt: expires_at,
    deviceCookie: client.startsWith('device:') ? input.deviceCookie! : issueDeviceCookie(keys, subject),
    account: { id: account.id, email: account.email, role: account.role },
    organization: org,
  };
}

/** Resolves a bearer token or cookie value to its principal, or null when unknown/expired/revoked. */
export async function authenticate(db: Kysely<Database>, keys: Keys, token: string): Promise<Principal | null> {
  if (token.startsWith(`${API_KEY_PREFIX}_`)) {
    const key = await db
      .selectFrom('api_keys')
      .select(['id', 'org_id', 'role'])
      .where('key_hash', '=', keyedHash(keys['api-key'], token))
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return key ? { kind: 'api-key', orgId: key.org_id, role: key.role, apiKeyId: key.id } : null;
  }
  if (token.startsWith(`${SESSION_PREFIX}_`)) {
    const session = await db
      .selectFrom('sessions')
      .innerJoin('hr_accounts', (j) =>
        j.onRef('hr_accounts.org_id', '=', 'sessions.org_id').onRef('hr_accounts.id', '=', 'sessions.account_id'),
      )
      .select(['sessions.id', 'sessions.org_id', 'sessions.account_id', 'hr_accounts.role', 'hr_accounts.scope'])
      .where('sessions.token_hash', '=', keyedHash(keys.session, token))
      .where('sessions.expires_at', '>', sql<Date>`now()`)
      .executeTakeFirst();
    return session
      ? {
          kind: 'session',
          orgId: session.org_id,
          role: session.role,
          accountId: session.account_id,
          sessionId: session.id,
          scope: session.scope,
        }
      : null;
  }
  return null;
}

export async function logout(db: Kysely<Database>, principal: Principal): Promise<void> {
  if (principal.kind !== 'session') return;
  await db.deleteFrom('sessions').where('org_id', '=', principal.orgId).where('id', '=', principal.sessionId).execute();
}
