import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { DomainError, TooManyRequests } from '../errors.ts';
import { clientKey } from '../guessing/client-key.ts';
import { CODE_DIGITS, readTypedCode } from '../invitations/codes.ts';
import { CODE_GUESS_LIMITS, type CodeGuessBudget } from '../guessing/budget.ts';
import { sharedCodeGuessBudget, sweepStaleWindows } from '../guessing/shared-budget.ts';

// The budgets live in src/guessing/; re-exported for the routes and tests that name them here.
export { CODE_GUESS_LIMITS, inProcessCodeGuessBudget } from '../guessing/budget.ts';
export type { CodeGuessBudget, CodeGuessLimits, Spent } from '../guessing/budget.ts';

declare module 'fastify' {
  interface FastifyInstance {
    codeGuesses: CodeGuessBudget;
  }
}

/**
 * One budget for the whole app, decorated at the root so every feature plugin shares it, and
 * shared with every other instance through PostgreSQL (SPEC P5: one budget across every route
 * and every instance). Finished windows are swept once a window, by each instance.
 */
export const codeGuessingPlugin = fp(
  async (app, options: { budget?: CodeGuessBudget }) => {
    app.decorate('codeGuesses', options.budget ?? sharedCodeGuessBudget(app.db, app.keys));
    const sweep = setInterval(() => {
      sweepStaleWindows(app.db, CODE_GUESS_LIMITS.windowSeconds).catch((err: unknown) =>
        app.log.warn({ err }, 'finished guessing windows not swept'),
      );
    }, CODE_GUESS_LIMITS.windowSeconds * 1000);
    sweep.unref();
    app.addHook('onClose', async () => clearInterval(sweep));
  },
  { name: 'code-guessing', dependencies: ['db'] },
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
    // P6: the budget sees a keyed hash of the address, never the address itself; the same client
    // still meets the same count.
    const client = clientKey(app, request);
    const spent = await app.codeGuesses.spend(client, organizationOf(request) ?? '');
    if (!spent.allowed)
      throw new TooManyRequests(
        'rate-limited',
        'Too many requests; slow down and retry later.',
        spent.retryAfterSeconds,
      );
  };
}
