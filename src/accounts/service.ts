import type { Kysely } from 'kysely';
import type { Keys } from '../crypto/tokens.ts';
import { loginSubject } from '../auth/lockout.ts';
import type { Database, Role, Scope } from '../db/schema.ts';
import { Conflict, Forbidden, NotFound, Unauthenticated, ValidationFailed } from '../errors.ts';
import { isUniqueViolation } from '../db/connection.ts';
import { generatePassword, hashPassword, verifyPassword } from '../auth/passwords.ts';
import { hasRole, type Principal } from '../auth/principal.ts';

export async function listAccounts(db: Kysely<Database>, orgId: string) {
  return db
    .selectFrom('hr_accounts')
    .select(['id', 'email', 'role', 'scope', 'created_at'])
    .where('org_id', '=', orgId)
    .orderBy('email')
    .execute();
}

/** Only an owner may create or remove an owner; an admin manages admins and analysts. */
function assertMayManage(actor: Principal, role: Role): void {
  if (role === 'owner' && !hasRole(actor, 'owner')) throw new Forbidden('Only an owner may manage owner accounts.');
}

export async function createAccount(
  db: Kysely<Database>,
  actor: Principal,
  input: { email: string; role: Role; password?: string | undefined; scope?: Scope | undefined },
) {
  assertMayManage(actor, input.role);
  if (input.scope) {
    if (input.role !== 'analyst')
      throw new ValidationFailed([{ field: 'body.scope', message: 'only an analyst can be limited to a segment' }]);
    const dimension = await db
      .selectFrom('attribute_dimensions')
      .select('key')
      .where('org_id', '=', actor.orgId)
      .where('key', '=', input.scope.dimension)
      .where('reportable', '=', true)
      .executeTakeFirst();
    if (!dimension)
      throw new ValidationFailed([{ field: 'body.scope.dimension', message: 'is not a reportable dimension' }]);
  }
  const password = input.password ?? generatePassword();
  try {
    const account = await db
      .insertInto('hr_accounts')
      .values({
        org_id: actor.orgId,
        email: input.email,
        role: input.role,
        password_hash: await hashPassword(password),
        scope: input.scope ? JSON.stringify(input.scope) : null,
      })
      .returning(['id', 'email', 'role', 'scope', 'created_at'])
      .executeTakeFirstOrThrow();
    return { account, generatedPassword: input.password === undefined ? password : undefined };
  } catch (error) {
    if (isUniqueViolation(error, 'hr_accounts_email_uq'))
      throw new Conflict('email-taken', 'An account with this e-mail already exists in the organization.');
    throw error;
  }
}

export async function deleteAccount(db: Kysely<Database>, actor: Principal, accountId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    // Locking the organization's owners serialises concurrent removals, so the last owner stays.
    const owners = await trx
      .selectFrom('hr_accounts')
      .select('id')
      .where('org_id', '=', actor.orgId)
      .where('role', '=', 'owner')
      .forUpdate()
      .execute();
    const target = await trx
      .selectFrom('hr_accounts')
      .select(['id', 'role'])
      .where('org_id', '=', actor.orgId)
      .where('id', '=', accountId)
      .executeTakeFirst();
    if (!target) throw new NotFound('Account');
    assertMayManage(actor, target.role);
    if (target.role === 'owner' && owners.length <= 1)
      throw new Conflict('last-owner', 'The last owner of an organization cannot be removed.');
    await trx.deleteFrom('hr_accounts').where('org_id', '=', actor.orgId).where('id', '=', accountId).execute();
  });
}

/** Changing one's password ends every other session of the account. */
export async function changeOwnPassword(
  db: Kysely<Database>,
  actor: Principal,
  currentPassword: string,
  newPassword: string,
): Promise<void> {
  if (actor.kind !== 'session') throw new Forbidden('Only a logged-in person can change a password.');
  const account = await db
    .selectFrom('hr_accounts')
    .select('password_hash')
    .where('org_id', '=', actor.orgId)
    .where('id', '=', actor.accountId)
    .executeTakeFirstOrThrow();
  if (!(await verifyPassword(account.password_hash, currentPassword)))
    throw new Unauthenticated('The current password is not correct.', 'invalid-credentials');
  const passwordHash = await hashPassword(newPassword);
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('hr_accounts')
      .set({ password_hash: passwordHash })
      .where('org_id', '=', actor.orgId)
      .where('id', '=', actor.accountId)
      .execute();
    await trx
      .deleteFrom('sessions')
      .where('org_id', '=', actor.orgId)
      .where('account_id', '=', actor.accountId)
      .where('id', '<>', actor.sessionId)
      .execute();
  });
}

/** Operator recovery (CLI): sets a new password and ends all sessions of the account. */
export async function resetPassword(
  db: Kysely<Database>,
  keys: Keys,
  orgSlug: string,
  email: string,
  newPassword: string,
): Promise<void> {
  const passwordHash = await hashPassword(newPassword);
  const updated = await db
    .updateTable('hr_accounts')
    .set({ password_hash: passwordHash })
    .where('org_id', '=', (eb) => eb.selectFrom('organizations').select('id').where('slug', '=', orgSlug))
    .where('email', '=', email.toLowerCase())
    .returning(['org_id', 'id'])
    .executeTakeFirst();
  if (!updated) throw new NotFound('Account');
  await db.deleteFrom('sessions').where('org_id', '=', updated.org_id).where('account_id', '=', updated.id).execute();
  // Lifts any lockout on the account, which is what an operator reset is for.
  await db
    .deleteFrom('login_throttles')
    .where('org_id', '=', updated.org_id)
    .where('subject', '=', loginSubject(keys, updated.org_id, email.toLowerCase()))
    .execute();
}
