import type { FastifyRequest } from 'fastify';
import { Forbidden } from '../../errors.ts';
import { fromThisOrigin } from '../../plugins/auth.ts';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export class CrossOrigin extends Forbidden {
  constructor() {
    super('This form was sent from another site.');
  }
}

/**
 * CSRF defence in depth beside the SameSite=Strict session cookie: a change must come from a page
 * of this origin. Browsers send Origin on every form POST; a POST without one (or from another
 * host) is refused before anything reads the body, sign-in included (login CSRF).
 */
export async function sameOriginOnly(request: FastifyRequest): Promise<void> {
  if (!UNSAFE.has(request.method)) return;
  if (!fromThisOrigin(request)) throw new CrossOrigin();
}
