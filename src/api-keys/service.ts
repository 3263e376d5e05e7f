import { sql, type Kysely } from 'kysely';
import type { ApiKeyRole, Database } from '../db/schema.ts';
import { NotFound } from '../errors.ts';
import { keyedHash, newToken, type Keys } from '../crypto/tokens.ts';
import { API_KEY_PREFIX } from '../auth/service.ts';

export async function listApiKeys(db: Kysely<Database>, orgId: string) {
  return db
    .selectFrom('api_keys')
    .select(['id', 'name', 'role', 'created_at', 'revoked_at'])
    .where('org_id', '=', orgId)
    .orderBy('created_at')
    .execute();
}

/** The key is returned once; only its keyed hash is stored (SPEC P5 applied to HR secrets too). */
export async function createApiKey(
  db: Kysely<Database>,
  keys: Keys,
  orgId: string,
  input: { name: string; role: ApiKeyRole },
) {
  const key = newToken(API_KEY_PREFIX);
  const row = await db
    .insertInto('api_keys')
    .values({ org_id: orgId, name: input.name, role: input.role, key_hash: keyedHash(keys['api-key'], key) })
    .returning(['id', 'name', 'role', 'created_at', 'revoked_at'])
    .executeTakeFirstOrThrow();
  return { ...row, key };
}

export async function revokeApiKey(db: Kysely<Database>, orgId: string, id: string): Promise<void> {
  const result = await db
    .updateTable('api_keys')
    .set({ revoked_at: sql<Date>`coalesce(revoked_at, now())` })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw new NotFound('API key');
}
