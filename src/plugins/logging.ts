import { LogController, type FastifyRequest } from 'fastify';
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

/** Paths an employee's browser or app calls: the link, the kiosk, the survey, its answers, the protection page. */
const EMPLOYEE_PATHS = /^\/(v1\/respond|s|k|survey|thanks|protection|assets)(\/|\?|$)/;

/**
 * SPEC P1 against T2 ("no log line"): a line per request on an employee route would record to the
 * millisecond when someone exchanged a link or a code and sent answers (and a 409, that someone
 * reused an invitation), which beside HR's knowledge of who got a card when tells who answered.
 * Those routes write no request lines; a failure (5xx) is still logged by its error handler, as
 * an operator needs it.
 */
export const logController = new LogController({
  disableRequestLogging: (request) => EMPLOYEE_PATHS.test(request.url ?? ''),
});
