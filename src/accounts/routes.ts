import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { principalOf, requireRole } from '../plugins/auth.ts';
import { problemResponses } from '../plugins/problems.ts';
import {
  accountParams,
  accountResponse,
  changePasswordBody,
  createAccountBody,
  createAccountResponse,
  toAccountResponse,
} from './schemas.ts';
import { changeOwnPassword, createAccount, deleteAccount, listAccounts } from './service.ts';

const manage = requireRole({ role: 'admin', sessionOnly: true });
const tags = ['accounts'];

export const accountRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '',
    {
      onRequest: manage,
      schema: {
        tags,
        summary: 'HR accounts of the organization',
        response: { 200: z.array(accountResponse), ...problemResponses(401, 403) },
      },
    },
    async (request) => (await listAccounts(app.db, principalOf(request).orgId)).map(toAccountResponse),
  );

  app.post(
    '',
    {
      onRequest: manage,
      schema: {
        tags,
        summary: 'Add an HR account',
        body: createAccountBody,
        response: { 201: createAccountResponse, ...problemResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const { account, generatedPassword } = await createAccount(app.db, principalOf(request), request.body);
      return reply
        .code(201)
        .send({ account: toAccountResponse(account), ...(generatedPassword ? { password: generatedPassword } : {}) });
    },
  );

  app.delete(
    '/:id',
    {
      onRequest: manage,
      schema: {
        tags,
        summary: 'Remove an HR account',
        params: accountParams,
        response: { 204: z.null(), ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await deleteAccount(app.db, principalOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.put(
    '/me/password',
    {
      onRequest: requireRole({ role: 'analyst', sessionOnly: true }),
      schema: {
        tags,
        summary: 'Change your own password (ends your other sessions)',
        body: changePasswordBody,
        response: { 204: z.null(), ...problemResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      await changeOwnPassword(app.db, principalOf(request), request.body.currentPassword, request.body.newPassword);
      return reply.code(204).send(null);
    },
  );
};
