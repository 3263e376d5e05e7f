import type { Role, Scope } from '../db/schema.ts';

/** Who is calling: an HR account through a session, or an integration through an API key. */
export type Principal =
  | { kind: 'session'; orgId: string; role: Role; accountId: string; sessionId: string; scope: Scope | null }
  | { kind: 'api-key'; orgId: string; role: Role; apiKeyId: string };

const RANK: Record<Role, number> = { analyst: 1, admin: 2, owner: 3 };

/** Roles are ordered: an owner can do what an admin can, an admin what an analyst can. */
export function hasRole(principal: Principal, atLeast: Role): boolean {
  return RANK[principal.role] >= RANK[atLeast];
}
