import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

/**
 * Attribute keys and values are chosen by HR (a dimension may be called `constructor`, a team
 * `__proto__`), so a plain-object lookup would find Object.prototype's members for a participant
 * who lacks the attribute. Every lookup by an attribute key goes through here (own properties only).
 */
export function attributeOf<T>(attributes: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(attributes, key) ? attributes[key] : undefined;
}

/** The organization's reportable dimensions, most important first: all a response may keep (P1). */
export async function reportableDimensions(db: Kysely<Database>, orgId: string): Promise<string[]> {
  return (
    await db
      .selectFrom('attribute_dimensions')
      .select('key')
      .where('org_id', '=', orgId)
      .where('reportable', '=', true)
      .orderBy('position')
      .execute()
  ).map((d) => d.key);
}
