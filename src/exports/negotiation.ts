import type { FastifyReply } from 'fastify';
import Negotiator from 'negotiator';

/**
 * Whether the Accept header prefers this media type to JSON, the default: q-values and wildcards
 * count as RFC 9110 says (`text/csv;q=0` refuses CSV, `*\/*` and no header mean JSON).
 */
export function wants(accept: string | undefined, type: string): boolean {
  return new Negotiator({ headers: { accept: accept ?? '*/*' } }).mediaType(['application/json', type]) === type;
}

/**
 * The languages an Accept-Language header asks for, most preferred first, without those refused
 * with q=0.
 */
export function acceptedLanguages(acceptLanguage: string | undefined): string[] {
  if (!acceptLanguage) return [];
  return new Negotiator({ headers: { 'accept-language': acceptLanguage } }).languages().filter((l) => l !== '*');
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
