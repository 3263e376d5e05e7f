import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { principalOf, requireRole } from '../plugins/auth.ts';
import { clearSessionCookie, DEVICE_COOKIE, setLoginCookies } from './cookies.ts';
import { problemResponses } from '../plugins/problems.ts';
import { loginBody, loginResponse, whoAmIResponse } from './schemas.ts';
import { login, logout } from './service.ts';

export const authRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/login',
    {
      // Per client address, on top of the per-account lockout in lockout.ts.
      config: { rateLimit: { max: 20, timeWindow: '1 minute' } },
      schema: {
        tags: ['auth'],
        summary: 'Log in as an HR account',
        body: loginBody,
        response: { 200: loginResponse, ...problemResponses(400, 401, 429) },
      },
    },
    async (request, reply) => {
      const result = await login(app.db, app.keys, app.config.sessionTtlMinutes, {
        ...request.body,
        deviceCookie: request.cookies[DEVICE_COOKIE],
      });
      setLoginCookies(reply, result, app.config.cookieSecure, '/v1/auth/login');
      return {
        token: result.token,
        expiresAt: result.expiresAt.toISOString(),
        account: result.account,
        organization: result.organization,
      };
    },
  );

  app.post(
    '/logout',
    {
      onRequest: requireRole({ role: 'analyst' }),
      schema: {
        tags: ['auth'],
        summary: 'End the current session',
        response: { 204: z.null(), ...problemResponses(401) },
      },
    },
    async (request, reply) => {
      await logout(app.db, principalOf(request));
      clearSessionCookie(reply, app.config.cookieSecure);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/me',
    {
      onRequest: requireRole({ role: 'analyst' }),
      schema: {
        tags: ['auth'],
        summary: 'Who is calling',
        response: { 200: whoAmIResponse, ...problemResponses(401) },
      },
    },
    async (request) => {
      const p = principalOf(request);
      return {
        kind: p.kind,
        role: p.role,
        organizationId: p.orgId,
        ...(p.kind === 'session' ? { accountId: p.accountId } : {}),
      };
    },
  );
};
