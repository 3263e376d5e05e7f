import type { FastifyReply } from 'fastify';
import { SESSION_COOKIE } from '../plugins/auth.ts';
import type { LoginResult } from './service.ts';

/** OWASP device cookie: proof that this browser once logged in, so a lockout spares it. */
export const DEVICE_COOKIE = 'quorum_device';
const DEVICE_COOKIE_DAYS = 180;

const base = (secure: boolean) => ({ httpOnly: true, sameSite: 'strict', secure }) as const;

/**
 * The cookies a login leaves, for the API's login and the dashboard's sign-in alike: the session
 * (every path) and the device cookie, sent back only to the login form that set it.
 */
export function setLoginCookies(reply: FastifyReply, result: LoginResult, secure: boolean, loginPath: string): void {
  reply.setCookie(SESSION_COOKIE, result.token, { ...base(secure), path: '/', expires: result.expiresAt });
  reply.setCookie(DEVICE_COOKIE, result.deviceCookie, {
    ...base(secure),
    path: loginPath,
    maxAge: DEVICE_COOKIE_DAYS * 86_400,
  });
}

export function clearSessionCookie(reply: FastifyReply, secure: boolean): void {
  reply.clearCookie(SESSION_COOKIE, { ...base(secure), path: '/' });
}
