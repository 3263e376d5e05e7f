import type { FastifyReply, FastifyRequest } from 'fastify';
import { preferredLanguages, UI_LANGUAGES, uiLanguage, type UiLanguage } from '../../pages/i18n.ts';

/** A preference, not a secret: it only picks the dashboard's language. */
export const LANGUAGE_COOKIE = 'quorum_hr_lang';

/** The reader's choice from the switcher first, then the browser's Accept-Language. */
export function readerLanguage(request: FastifyRequest): UiLanguage {
  return uiLanguage(preferredLanguages(request.headers['accept-language'], request.cookies[LANGUAGE_COOKIE]));
}

export function isUiLanguage(value: unknown): value is UiLanguage {
  return typeof value === 'string' && (UI_LANGUAGES as readonly string[]).includes(value);
}

export function rememberLanguage(reply: FastifyReply, lang: UiLanguage, secure: boolean): void {
  reply.setCookie(LANGUAGE_COOKIE, lang, {
    path: '/hr',
    sameSite: 'strict',
    httpOnly: true,
    secure,
    maxAge: 365 * 86_400,
  });
}

/** Only a path of the dashboard itself may be a redirect target: never another host (open redirect). */
export function safeNext(next: unknown, fallback = '/hr/surveys'): string {
  if (typeof next !== 'string' || !/^\/hr(\/[A-Za-z0-9._~/?=&%-]*)?$/.test(next) || next.includes('//'))
    return fallback;
  return next;
}
