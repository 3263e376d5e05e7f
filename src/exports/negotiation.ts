import type { FastifyReply } from 'fastify';

/** Whether the Accept header asks for this media type (JSON stays the default). */
export function wants(accept: string | undefined, type: string): boolean {
  return (accept ?? '').split(',').some((a) => a.trim().startsWith(type));
}

/**
 * Sends a CSV or HTML variant of a JSON route. Route schemas describe the JSON; a string payload
 * is not passed through the JSON serializer, so the typed send() is bypassed knowingly here.
 */
export function sendText(reply: FastifyReply, type: string, body: string, headers: Record<string, string> = {}) {
  return reply
    .type(type)
    .headers(headers)
    .send(body as never);
}
