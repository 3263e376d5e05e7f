import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_TYPE_PREFIX, sendProblem } from './problems.ts';
import { SECURITY_HEADERS } from './security.ts';

// Refusals Fastify writes before routing (no hook or error handler runs), in our vocabulary.
const FRAMEWORK: Record<string, [number, string, string]> = {
  FST_ERR_MAX_PARAM_LENGTH: [414, 'uri-too-long', 'A part of the URL is too long.'],
  FST_ERR_BAD_URL: [400, 'bad-request', 'The URL is malformed.'],
  FST_ERR_ASYNC_CONSTRAINT: [400, 'bad-request', 'The request could not be routed.'],
};

/**
 * Fastify's `frameworkErrors`: without it these answers are plain JSON without our headers.
 * The error's message quotes the path (it may hold a survey token), so it is neither sent nor logged.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const [status, code, detail] = FRAMEWORK[error.code] ?? [400, 'bad-request', 'The request could not be routed.'];
  reply.headers(SECURITY_HEADERS);
  void sendProblem(request, reply, status, code, detail);
}

// Node's own refusals: `clientError` fires on the socket before any request object exists.
const CLIENT: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'request-header-fields-too-large', 'The request headers are larger than 16 KB.'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'request-timeout', 'The request took too long to arrive.'],
};

/** Fastify's `clientErrorHandler`: the raw answer Node would write, as problem+json with our headers. */
export function clientErrorHandler(this: FastifyInstance, error: Error & { code?: string }, socket: Socket) {
  // A reset connection has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, detail] = CLIENT[error.code ?? ''] ?? [400, 'bad-request', 'The request is not valid HTTP.'];
  const requestId = randomUUID();
  this.log.debug({ requestId, code: error.code, statusCode: status }, 'client error');
  const title = STATUS_CODES[status] ?? 'Error';
  const body = JSON.stringify({ type: `${PROBLEM_TYPE_PREFIX}${code}`, title, status, detail, code, requestId });
  const headers = {
    ...SECURITY_HEADERS,
    'content-type': 'application/problem+json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    // The parser's state is lost: nothing more can be read on this connection.
    connection: 'close',
  };
  if (!socket.writable) return void socket.destroy();
  const head = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.end(`HTTP/1.1 ${status} ${title}\r\n${head}\r\n${body}`, () => socket.destroy());
}
