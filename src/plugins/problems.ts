import { STATUS_CODES } from 'node:http';
import fp from 'fastify-plugin';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isDatabaseUnavailable } from '../db/connection.ts';
import { UNSTORABLE_TEXT_ERRORS } from '../db/text.ts';
import { DomainError, ServiceUnavailable, TooManyRequests } from '../errors.ts';

export const PROBLEM_TYPE_PREFIX = 'urn:quorum:problem:';

export const problemSchema = z
  .looseObject({
    type: z.string().describe('Stable URN, `urn:quorum:problem:<code>`.'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string().describe('Stable machine-readable code; the same as the end of `type`.'),
    requestId: z.string(),
    errors: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .describe('Per-field problems of a validation failure.'),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details.' });

/** Documented error answers, spread into route `response` schemas. */
export const problemResponses = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, problemSchema]));

export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  code: string,
  detail: string,
  extra: Record<string, unknown> = {},
) {
  return reply
    .code(status)
    .type('application/problem+json')
    .send({
      type: `${PROBLEM_TYPE_PREFIX}${code}`,
      title: STATUS_CODES[status] ?? 'Error',
      status,
      detail,
      code,
      requestId: request.id,
      ...extra,
    });
}

// Fastify's own 4xx errors, named in our vocabulary; their messages are safe but not stable.
const FASTIFY_CODES: Record<string, [string, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ['payload-too-large', 'The request body is too large.'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [
    'unsupported-media-type',
    'This route does not accept that content type; the API description lists those it does.',
  ],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['bad-request', 'The Content-Length header does not match the body.'],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['malformed-body', 'The JSON body is empty.'],
  FST_ERR_CTP_INVALID_JSON_BODY: ['malformed-body', 'The body is not valid JSON.'],
  FST_ERR_BAD_URL: ['bad-request', 'The URL is malformed.'],
  FST_ERR_ASYNC_CONSTRAINT: ['bad-request', 'The request could not be routed.'],
};

function fieldName(context: string | undefined, instancePath: string): string {
  const path = instancePath.replace(/^\//, '').replaceAll('/', '.');
  const where = context === 'querystring' ? 'query' : (context ?? 'body');
  return path ? `${where}.${path}` : where;
}

/** Every error leaves as RFC 9457 problem+json with a stable `code`; nothing else, no stack traces. */
export const problemsPlugin = fp(
  async (app) => {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (hasZodFastifySchemaValidationErrors(error)) {
        const errors = error.validation.map((v) => ({
          field: fieldName(error.validationContext, v.instancePath),
          message: v.message ?? 'is not valid',
        }));
        return sendProblem(
          request,
          reply,
          400,
          'validation-failed',
          `The request is not valid: ${errors.map((e) => e.field).join(', ')}.`,
          { errors },
        );
      }
      if (error instanceof DomainError) {
        if (error instanceof TooManyRequests || error instanceof ServiceUnavailable)
          reply.header('retry-after', String(error.retryAfterSeconds));
        return sendProblem(request, reply, error.status, error.code, error.message, error.extra);
      }
      const known = FASTIFY_CODES[error.code];
      if (known) return sendProblem(request, reply, error.statusCode ?? 400, known[0], known[1]);
      if (error instanceof SyntaxError || error.statusCode === 400)
        return sendProblem(request, reply, 400, 'malformed-body', 'The request could not be parsed.');
      if (UNSTORABLE_TEXT_ERRORS.has(error.code)) {
        // A string that slipped past storableText: the client's fault, not ours. Only the code is
        // logged, since PostgreSQL's message quotes the value (a token, a name).
        request.log.warn({ sqlState: error.code }, 'text the database cannot store');
        return sendProblem(request, reply, 400, 'invalid-text', 'A value contains text that cannot be stored.');
      }
      if (isDatabaseUnavailable(error)) {
        request.log.warn({ err: error }, 'database unavailable');
        reply.header('retry-after', '5');
        return sendProblem(
          request,
          reply,
          503,
          'service-unavailable',
          'The database is temporarily unavailable; please retry shortly.',
        );
      }
      if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
        return sendProblem(
          request,
          reply,
          error.statusCode,
          'bad-request',
          STATUS_CODES[error.statusCode] ?? 'Bad request.',
        );
      }
      request.log.error({ err: error }, 'unhandled error');
      return sendProblem(
        request,
        reply,
        500,
        'internal-error',
        'Something went wrong on our side; it has been logged.',
      );
    });

    app.setNotFoundHandler((request, reply) =>
      sendProblem(request, reply, 404, 'route-not-found', `No route ${request.method} matches this URL.`),
    );
  },
  { name: 'problems' },
);
