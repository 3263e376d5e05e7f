import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { DomainError, TooManyRequests } from '../errors.ts';
import { keyedHash } from '../crypto/tokens.ts';
import { CODE_DIGITS, readTypedCode } from '../invitations/codes.ts';

/**
 * SPEC P5: nickname codes are guessable in principle, so every way of trying one (the JSON API,
 * the kiosk form, any route added later) spends from the same budgets: per client, per
 * organization, and one global budget over all organizations. The guessing arithmetic in
 * docs/codes.md (and test/invitations/guessing.test.ts) rests on these numbers.
 */
export const CODE_GUESS_LIMITS = { perClient: 20, perOrganization: 300, global: 600, windowSeconds: 60 } as const;

export type CodeGuessLimits = { perClient: number; perOrganization: number; global: number; windowSeconds: number };

export type Spent = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Where tries are counted. In-process today; a shared store (PostgreSQL) only needs another implementation. */
export interface CodeGuessBudget {
  /** Counts one try for this client, this organization and globally, refusing it once any budget is spent. */
  spend(client: string, organization: string): Promise<Spent>;
}

/**
 * A window per key, opened by its first try: a client's or an organization's count never resets
 * in the middle of its own burst (windows aligned to the clock did, letting a burst that straddled
 * a minute boundary run to twice the budget). Back-to-back windows still bound tries to the limit
 * per window, which is what docs/privacy.md's arithmetic needs. Keys whose window has ended are
 * dropped once many have piled up, so memory stays bounded. The client key is its address, held in
 * memory only, as a keyed hash (spendCodeGuess), never logged or stored (P6).
 */
export function inProcessCodeGuessBudget(
  limits: CodeGuessLimits = CODE_GUESS_LIMITS,
  now: () => number = Date.now,
): CodeGuessBudget {
  const windowMs = limits.windowSeconds * 1000;
  const clients = new Map<string, Window>();
  const organizations = new Map<string, Window>();
  const everyone = new Map<string, Window>();
  const spendFrom = (windows: Map<string, Window>, key: string, at: number): Window => {
    if (windows.size > MAX_KEYS) for (const [k, w] of windows) if (at - w.start >= windowMs) windows.delete(k);
    let window = windows.get(key);
    if (!window || at - window.start >= windowMs) windows.set(key, (window = { start: at, tries: 0 }));
    window.tries++;
    return window;
  };
  const refusal = (window: Window, at: number) =>
    ({ allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((window.start + windowMs - at) / 1000)) }) as const;
  return {
    async spend(client, organization) {
      const at = now();
      const byClient = spendFrom(clients, client, at);
      if (byClient.tries > limits.perClient) return refusal(byClient, at);
      const byOrganization = spendFrom(organizations, organization, at);
      if (byOrganization.tries > limits.perOrganization) return refusal(byOrganization, at);
      const byEveryone = spendFrom(everyone, '', at);
      if (byEveryone.tries > limits.global) return refusal(byEveryone, at);
      return { allowed: true };
    },
  };
}

interface Window {
  start: number;
  tries: number;
}
const MAX_KEYS = 10_000;

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

/** A typo the check digit caught: answered before the budget is touched, naming the wrong part. */
export class MistypedCode extends DomainError {
  constructor(wrong: 'characters' | 'length' | 'check', digits: number) {
    const problem = {
      characters: ['code-not-digits', 'A code has digits only (spaces and hyphens are fine).'],
      length: ['code-wrong-length', `A code has ${CODE_DIGITS} digits; ${digits} were typed.`],
      check: [
        'code-check-failed',
        'The check digit does not match: a digit is mistyped or two neighbours are swapped.',
      ],
    }[wrong];
    super(422, problem[0]!, problem[1]!, { wrong, digits, expectedDigits: CODE_DIGITS });
  }
}

/**
 * The preHandler of every route that accepts a nickname code. A code whose check digit fails can
 * never be valid, so it costs no guess (SPEC P5: a typo must not eat the budget); it still counts
 * against the route's ordinary rate limit.
 */
export function spendCodeGuess(
  app: FastifyInstance,
  organizationOf: (request: FastifyRequest) => string | undefined,
  codeOf: (request: FastifyRequest) => string | undefined,
): preHandlerAsyncHookHandler {
  return async (request) => {
    const typed = readTypedCode(codeOf(request) ?? '');
    if (!typed.ok) throw new MistypedCode(typed.wrong, typed.digits);
    // P6: the budget (and whatever store holds it later) sees a keyed hash of the address, never
    // the address itself; the same client still meets the same count.
    const client = keyedHash(app.keys['client-address'], request.ip).toString('base64url');
    const spent = await app.codeGuesses.spend(client, organizationOf(request) ?? '');
    if (!spent.allowed)
      throw new TooManyRequests(
        'rate-limited',
        'Too many requests; slow down and retry later.',
        spent.retryAfterSeconds,
      );
  };
}
