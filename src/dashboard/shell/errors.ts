import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { isDatabaseUnavailable } from '../../db/connection.ts';
import { DomainError, TooManyRequests } from '../../errors.ts';
import { html } from '../../pages/html.ts';
import { CrossOrigin } from './guard.ts';
import { langOf, sendPage, seeOther } from './render.ts';
import { SHELL } from './strings.ts';

/**
 * Errors become a page in the reader's language with the status the API would give; a reader
 * whose session ended is sent to sign in and brought back. Nothing here ever shows a stack or
 * a value from the request.
 */
export async function dashboardErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const t = SHELL[langOf(request)];
  if (error instanceof DomainError && error.status === 401) {
    request.principal = null;
    const next = request.method === 'GET' ? `?next=${encodeURIComponent(request.url)}` : '';
    return seeOther(reply, `/hr/login${next}`);
  }
  let status = 500;
  let message = t.internal;
  if (error instanceof CrossOrigin) [status, message] = [403, t.crossOrigin];
  else if (isDatabaseUnavailable(error) || (error instanceof DomainError && error.status === 503))
    [status, message] = [503, t.unavailable];
  else if (error instanceof DomainError) {
    status = error.status;
    message = status === 403 ? t.forbidden : status === 404 ? t.notFound : error.message;
    if (error instanceof TooManyRequests) reply.header('retry-after', String(error.retryAfterSeconds));
  } else if (hasZodFastifySchemaValidationErrors(error)) [status, message] = [400, t.invalidField];
  else if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500)
    [status, message] = [error.statusCode, error.statusCode === 404 ? t.notFound : t.invalidField];
  if (status === 503) reply.header('retry-after', '5');
  if (status >= 500) request.log[status === 503 ? 'warn' : 'error']({ err: error }, 'dashboard error');
  return sendPage(request, reply, {
    title: t.errorTitle,
    status,
    // Not back to the URL asked for: it may hold another organization's id, never echoed (P8).
    path: '/hr/surveys',
    body: html`<h1>${t.errorTitle}</h1>
      <p class="problem">${message}</p>
      <p><a href="/hr/surveys">${t.back}</a></p>`,
  }).catch(() => sendPageWithoutReader(request, reply, status, message));
}

/** When even the reader cannot be loaded (the database is down), the frame goes without them. */
function sendPageWithoutReader(request: FastifyRequest, reply: FastifyReply, status: number, message: string) {
  request.principal = null;
  const t = SHELL[langOf(request)];
  return sendPage(request, reply, {
    title: t.errorTitle,
    status,
    path: '/hr/surveys',
    body: html`<h1>${t.errorTitle}</h1>
      <p class="problem">${message}</p>`,
  });
}
