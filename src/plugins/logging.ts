import type { FastifyRequest } from 'fastify';
import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * SPEC P6: logs never carry a token, code, IP address, user agent, header, query string or body.
 * Fastify's default request serializer records the raw URL (which may hold a survey token) and
 * the remote address, so both serializers are replaced by allow-lists.
 */
export const serializers = {
  req(request: FastifyRequest) {
    return { method: request.method, route: request.routeOptions?.url ?? '(unmatched)' };
  },
  res(reply: { statusCode: number }) {
    return { statusCode: reply.statusCode };
  },
  err(error: unknown) {
    if (!(error instanceof Error)) return { type: typeof error };
    const { code, severity, constraint, table, column, routine } = error as Error & Record<string, unknown>;
    // PostgreSQL messages and details can quote the offending value ("Key (x)=(...)", "invalid
    // input syntax ... \"value\""), which may be employee input: keep only the structured fields.
    if (typeof severity === 'string' && typeof code === 'string') {
      return { type: error.name, code, constraint, table, column, routine };
    }
    return { type: error.name, code, message: error.message, stack: error.stack };
  },
};

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, serializers, base: { service: 'quorum' } }, destination);
}
