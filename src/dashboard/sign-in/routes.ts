import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { changeOwnPassword } from '../../accounts/service.ts';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../../auth/passwords.ts';
import { clearSessionCookie, DEVICE_COOKIE, setLoginCookies } from '../../auth/cookies.ts';
import { loginBody } from '../../auth/schemas.ts';
import { login, logout } from '../../auth/service.ts';
import { storableText } from '../../db/text.ts';
import { DomainError, TooManyRequests } from '../../errors.ts';
import { principalOf, requireRole } from '../../plugins/auth.ts';
import { parseForm, type FieldErrors } from '../shell/forms.ts';
import { safeNext } from '../shell/language.ts';
import { langOf, sendPage, seeOther } from '../shell/render.ts';
import { SIGN_IN } from './strings.ts';
import { accountPage, signInPage } from './views.ts';

const nextQuery = z.object({
  next: z.string().max(500).optional(),
  done: z.enum(['signed-out', 'password']).optional(),
});
const passwordForm = z.object({
  current: storableText(PASSWORD_MAX_LENGTH).min(1),
  next: storableText(PASSWORD_MAX_LENGTH).min(PASSWORD_MIN_LENGTH),
});

/** Sign in and out, and one's own account, with the API's accounts, lockout and device cookies. */
export const signInRoutes: FastifyPluginAsyncZod = async (app) => {
  const analyst = requireRole({ role: 'analyst', sessionOnly: true });

  const showSignIn = (
    request: FastifyRequest,
    reply: FastifyReply,
    state: { values?: Record<string, string>; errors?: FieldErrors; notice?: string; next?: string | undefined },
    status = 200,
  ) => {
    request.principal = null;
    const lang = langOf(request);
    return sendPage(request, reply, { title: SIGN_IN[lang].signInTitle, status, body: signInPage(lang, state) });
  };

  app.get('/login', { schema: { hide: true, querystring: nextQuery } }, async (request, reply) => {
    const notice = request.query.done === 'signed-out' ? SIGN_IN[langOf(request)].signedOut : undefined;
    return showSignIn(request, reply, { notice, next: request.query.next });
  });

  app.post(
    '/login',
    {
      // Per client address, on top of the per-account lockout (auth/lockout.ts), as the API's login.
      config: { rateLimit: { max: 20, timeWindow: '1 minute' } },
      schema: { hide: true, querystring: nextQuery },
    },
    async (request, reply) => {
      const form = (request.body ?? {}) as Record<string, unknown>;
      const values = {
        organization: typeof form.organization === 'string' ? form.organization : '',
        email: typeof form.email === 'string' ? form.email : '',
      };
      const next = request.query.next;
      const parsed = parseForm(loginBody, form, () => 'invalid');
      if (!parsed.ok) return showSignIn(request, reply, { values, errors: { _form: 'wrong' }, next }, 400);
      try {
        const result = await login(app.db, app.keys, app.config.sessionTtlMinutes, {
          ...parsed.value,
          deviceCookie: request.cookies[DEVICE_COOKIE],
        });
        setLoginCookies(reply, result, app.config.cookieSecure, '/hr/login');
        return seeOther(reply, safeNext(next));
      } catch (error) {
        if (error instanceof TooManyRequests) {
          reply.header('retry-after', String(error.retryAfterSeconds));
          const minutes = String(Math.ceil(error.retryAfterSeconds / 60));
          return showSignIn(request, reply, { values, errors: { _form: `locked:${minutes}` }, next }, 429);
        }
        if (error instanceof DomainError && error.status === 401)
          return showSignIn(request, reply, { values, errors: { _form: 'wrong' }, next }, 401);
        throw error;
      }
    },
  );

  app.post('/logout', { onRequest: analyst, schema: { hide: true } }, async (request, reply) => {
    await logout(app.db, principalOf(request));
    clearSessionCookie(reply, app.config.cookieSecure);
    return seeOther(reply, '/hr/login?done=signed-out');
  });

  app.get('/account', { onRequest: analyst, schema: { hide: true, querystring: nextQuery } }, async (request, reply) =>
    sendPage(request, reply, {
      title: SIGN_IN[langOf(request)].accountTitle,
      section: 'account',
      body: accountPage(langOf(request), principalOf(request), { notice: request.query.done === 'password' }),
    }),
  );

  app.post('/account/password', { onRequest: analyst, schema: { hide: true } }, async (request, reply) => {
    const lang = langOf(request);
    const parsed = parseForm(passwordForm, request.body, (issue) => (issue.code === 'too_small' ? 'short' : 'invalid'));
    const show = (errors: FieldErrors, status: number) =>
      sendPage(request, reply, {
        title: SIGN_IN[lang].accountTitle,
        section: 'account',
        status,
        body: accountPage(lang, principalOf(request), { errors }),
      });
    if (!parsed.ok) return show(parsed.errors, 400);
    try {
      await changeOwnPassword(app.db, principalOf(request), parsed.value.current, parsed.value.next);
    } catch (error) {
      if (error instanceof DomainError && error.status === 401) return show({ current: 'wrong' }, 400);
      throw error;
    }
    return seeOther(reply, '/hr/account?done=password');
  });
};
