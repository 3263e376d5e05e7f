import type { FastifyInstance, FastifyRequest } from 'fastify';
import { keyedHash } from '../crypto/tokens.ts';

/**
 * The client as every limit in memory knows it (the per-client guessing budget, the routes' rate
 * limits): a keyed hash of its address, never the address (SPEC P6). Held in memory only; never
 * logged, stored or counted in a metric (a keyed hash of an IPv4 address is reversible by whoever
 * holds the key, by trying all 2^32).
 */
export const clientKey = (app: FastifyInstance, request: FastifyRequest) =>
  keyedHash(app.keys['client-address'], request.ip).toString('base64url');
