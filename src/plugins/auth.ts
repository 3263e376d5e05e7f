import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { authenticate } from '../auth/service.ts';
import { hasRole, type Principal } from '../auth/principal.ts';
import type { Role } from '../db/schema.ts';
import { Forbidden, Unauthenticated } from '../errors.ts';

export const SESSION_COOKIE = 'quorum_session';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Whether the request's Origin names this host (compared as URLs parse them: "h:80" is "h"). */
export function fromThisOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  const ours = URL.parse(`${request.protocol}://${request.host}`)?.host;
  return origin !== undefined && origin !== 'null' && ours !== undefined && URL.parse(origin)?.host === ours;
}

/** Bearer first (integrations, CLI), then the httpOnly session cookie (browsers). */
async function resolvePrincipal(request: FastifyRequest): Promise<Principal> {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer ([A-Za-z0-9_-]{10,200})$/.exec(header);
    const principal = match?.[1] ? await authenticate(request.server.db, request.server.keys, match[1]) : null;
    if (!principal) throw new Unauthenticated('The bearer token is not valid or has expired.', 'invalid-token');
    return principal;
  }
  const cookie = request.cookies[SESSION_COOKIE];
  if (cookie) {
    // SameSite=Strict already stops cross-site sends; a mismatched Origin is refused as well.
    if (UNSAFE.has(request.method) && request.headers.origin !== undefined && !fromThisOrigin(request)) {
      throw new Forbidden('Cross-origin requests may not use the session cookie.');
    }
    const principal = await authenticate(request.server.db, request.server.keys, cookie);
    if (principal?.kind === 'session') return principal;
    throw new Unauthenticated('The session has expired; please log in again.', 'invalid-token');
  }
  throw new Unauthenticated();
}

export interface AccessRule {
  /** Lowest role allowed (owner > admin > analyst). */
  role: Role;
  /** Only a person logged in may do this (managing accounts and keys), not an API key. */
  sessionOnly?: boolean;
}

/**
 * onRequest hook for HR routes: authenticates and enforces the role before the body is even
 * parsed, so a caller without the right gets 401/403, never a validation answer about the body.
 */
export function requireRole(rule: AccessRule): onRequestAsyncHookHandler {
  const checkAccess = async function checkAccess(request: FastifyRequest, _reply: FastifyReply) {
    const principal = await resolvePrincipal(request);
    if (!hasRole(principal, rule.role)) throw new Forbidden();
    if (rule.sessionOnly && principal.kind !== 'session')
      throw new Forbidden('API keys may not do this; log in as a person.');
    request.principal = principal;
  };
  ACCESS_RULES.set(checkAccess, rule);
  return checkAccess;
}

// The OpenAPI document reads each route's security from the hook that enforces it (plugins/openapi.ts),
// so the description cannot drift from what is checked.
const ACCESS_RULES = new WeakMap<object, AccessRule>();

/** The access rule a route's onRequest hooks enforce; undefined for a public route. */
export function accessRuleOf(onRequest: unknown): AccessRule | undefined {
  const hooks: unknown[] = Array.isArray(onRequest) ? onRequest : [onRequest];
  for (const hook of hooks) {
    const rule = typeof hook === 'function' ? ACCESS_RULES.get(hook) : undefined;
    if (rule) return rule;
  }
  return undefined;
}

export const authPlugin = fp(
  async (app) => {
    app.decorateRequest('principal', null);
  },
  { name: 'auth', dependencies: ['db', '@fastify/cookie'] },
);

/** For handlers behind requireRole: the principal is always set there. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Unauthenticated();
  return request.principal;
}
