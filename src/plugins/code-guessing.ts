import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { TooManyRequests } from '../errors.ts';

/**
 * SPEC P5: nickname codes are guessable in principle, so every way of trying one (the JSON API,
 * the kiosk form, any route added later) spends from the same budgets. The guessing arithmetic in
 * docs/privacy.md rests on these numbers.
 */
export const CODE_GUESS_LIMITS = { perClient: 20, perOrganization: 600, windowSeconds: 60 } as const;

export type Spent = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Where tries are counted. In-process today; a shared store (PostgreSQL) only needs another implementation. */
export interface CodeGuessBudget {
  /** Counts one try for this client and this organization, refusing it once either budget is spent. */
  spend(client: string, organization: string): Promise<Spent>;
}

/**
 * Fixed windows, all keys reset together: memory is bounded by the keys seen in one window. The
 * client key is its address, held in memory only, never logged or stored (P6).
 */
export function inProcessCodeGuessBudget(
  limits: { perClient: number; perOrganization: number; windowSeconds: number } = CODE_GUESS_LIMITS,
  now: () => number = Date.now,
): CodeGuessBudget {
  const windowMs = limits.windowSeconds * 1000;
  let windowStart = 0;
  let clients = new Map<string, number>();
  let organizations = new Map<string, number>();
  return {
    async spend(client, organization) {
      const at = now();
      if (at - windowStart >= windowMs) {
        windowStart = at - (at % windowMs);
        clients = new Map();
        organizations = new Map();
      }
      const refused = { allowed: false, retryAfterSeconds: Math.ceil((windowStart + windowMs - at) / 1000) } as const;
      const byClient = (clients.get(client) ?? 0) + 1;
      clients.set(client, byClient);
      // A client already refused does not also drain its organization's budget.
      if (byClient > limits.perClient) return refused;
      const byOrganization = (organizations.get(organization) ?? 0) + 1;
      organizations.set(organization, byOrganization);
      if (byOrganization > limits.perOrganization) return refused;
      return { allowed: true };
    },
  };
}

declare module 'fastify' {
  interface FastifyInstance {
    codeGuesses: CodeGuessBudget;
  }
}

/** One budget for the whole app, decorated at the root so every feature plugin shares it. */
export const codeGuessingPlugin = fp(
  async (app, options: { budget?: CodeGuessBudget }) => {
    app.decorate('codeGuesses', options.budget ?? inProcessCodeGuessBudget());
  },
  { name: 'code-guessing' },
);

/** The preHandler of every route that accepts a nickname code. */
export function spendCodeGuess(
  app: FastifyInstance,
  organizationOf: (request: FastifyRequest) => string | undefined,
): preHandlerAsyncHookHandler {
  return async (request) => {
    const spent = await app.codeGuesses.spend(request.ip, organizationOf(request) ?? '');
    if (!spent.allowed)
      throw new TooManyRequests(
        'rate-limited',
        'Too many requests; slow down and retry later.',
        spent.retryAfterSeconds,
      );
  };
}
