import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SafeHtml } from '../../pages/html.ts';
import type { UiLanguage } from '../../pages/i18n.ts';
import { principalOf } from '../../plugins/auth.ts';
import { layout, type Reader, type Section } from './layout.ts';
import { readerLanguage } from './language.ts';

declare module 'fastify' {
  interface FastifyRequest {
    dashboardReader?: Reader;
  }
}

/** The signed-in reader as the frame shows them: one small query per page. */
export async function readerOf(request: FastifyRequest): Promise<Reader> {
  if (request.dashboardReader) return request.dashboardReader;
  const principal = principalOf(request);
  // One round trip: the organization's name and, for a person, their e-mail.
  const row = await request.server.db
    .selectFrom('organizations')
    .leftJoin('hr_accounts', (join) =>
      join
        .onRef('hr_accounts.org_id', '=', 'organizations.id')
        .on('hr_accounts.id', '=', principal.kind === 'session' ? principal.accountId : null),
    )
    .select(['organizations.name', 'hr_accounts.email'])
    .where('organizations.id', '=', principal.orgId)
    .executeTakeFirstOrThrow();
  const email = principal.kind === 'session' ? (row.email ?? '') : 'API key';
  request.dashboardReader = { email, role: principal.role, organization: row.name };
  return request.dashboardReader;
}

export interface PageInput {
  title: string;
  body: SafeHtml;
  section?: Section;
  status?: number;
  /** Where the language switcher returns; the request's own URL unless given. */
  path?: string;
}

/** Sends a dashboard page in the reader's language, with the frame of a signed-in reader. */
export async function sendPage(request: FastifyRequest, reply: FastifyReply, input: PageInput) {
  const reader = request.principal ? await readerOf(request) : null;
  return sendHtml(
    reply,
    input.status ?? 200,
    layout({ ...input, lang: readerLanguage(request), reader, path: input.path ?? pathOf(request) }),
  );
}

export function sendHtml(reply: FastifyReply, status: number, body: string) {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .send(body as never);
}

export const pathOf = (request: FastifyRequest) => request.url;

export const langOf = (request: FastifyRequest): UiLanguage => readerLanguage(request);

/** After a change, the reader sees the result page, never a form that re-posts on reload (PRG). */
export function seeOther(reply: FastifyReply, location: string) {
  return reply.redirect(location, 303);
}
