import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import { TooManyRequests } from '../errors.ts';
import { clientKey } from '../guessing/client-key.ts';

const HELMET_OPTIONS = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  },
  // The API is never embedded in other sites and never sends Referer-worthy links.
  referrerPolicy: { policy: 'no-referrer' },
  crossOriginResourcePolicy: { policy: 'same-origin' },
} satisfies HelmetOptions;

/**
 * The headers every answer carries, for the answers written before any route or hook runs
 * (Fastify's framework errors, Node's client errors): the same helmet configuration, recorded once.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = (() => {
  const headers: Record<string, string> = { 'cache-control': 'no-store' };
  const recorder = {
    setHeader: (name: string, value: unknown) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  helmet(HELMET_OPTIONS)({} as IncomingMessage, recorder as unknown as ServerResponse, () => {});
  return Object.freeze(headers);
})();

/** Security headers, cookies and (opt-in, per route) rate limits. */
export const securityPlugin = fp(
  async (app) => {
    // The headers helmet computes for this configuration, set as one precomputed object:
    // @fastify/helmet ran helmet's middleware anew on every request (about 5 % of the app's time
    // on the employee path, issue 16's profile), for headers that never change.
    const { 'cache-control': _noStore, ...headers } = SECURITY_HEADERS;
    app.addHook('onRequest', (_request, reply, done) => {
      reply.headers(headers);
      done();
    });
    await app.register(cookie);
    await app.register(rateLimit, {
      global: false,
      // P6: counted per keyed hash of the client address, never the address itself, in this
      // instance's memory only. These per-route limits are flood control and may stay per
      // instance (docs/scaling.md); the security arithmetic rests on the shared code-guessing
      // budget and the login lockout, both in PostgreSQL.
      keyGenerator: (request) => clientKey(app, request),
      errorResponseBuilder: (_request, context) =>
        new TooManyRequests(
          'rate-limited',
          'Too many requests; slow down and retry later.',
          Math.ceil(context.ttl / 1000),
        ),
    });
    // Answers carry tokens, account data and results: no shared or browser cache may keep them.
    app.addHook('onSend', async (_request, reply) => {
      if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    });
  },
  { name: 'security' },
);
