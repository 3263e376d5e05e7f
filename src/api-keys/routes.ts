import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { storableText } from '../db/text.ts';
import { z } from 'zod';
import { principalOf, requireRole } from '../plugins/auth.ts';
import { problemResponses } from '../plugins/problems.ts';
import { createApiKey, listApiKeys, revokeApiKey } from './service.ts';

const apiKeyResponse = z.object({
  id: z.uuid(),
  name: z.string(),
  role: z.enum(['admin', 'analyst']),
  createdAt: z.iso.datetime(),
  revokedAt: z.iso.datetime().nullable(),
});
const createdApiKeyResponse = apiKeyResponse.extend({
  key: z.string().describe('The API key itself. Shown once; store it now.'),
});
const createApiKeyBody = z.object({
  name: storableText(100).trim().min(1),
  role: z.enum(['admin', 'analyst']).describe('API keys can never be owners.'),
});

const toResponse = (k: {
  id: string;
  name: string;
  role: 'admin' | 'analyst';
  created_at: Date;
  revoked_at: Date | null;
}) => ({
  id: k.id,
  name: k.name,
  role: k.role,
  createdAt: k.created_at.toISOString(),
  revokedAt: k.revoked_at?.toISOString() ?? null,
});

// Keys are managed by people only: a leaked key must not be able to mint or keep itself alive.
const manage = requireRole({ role: 'admin', sessionOnly: true });
const tags = ['api keys'];

export const apiKeyRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '',
    {
      onRequest: manage,
      schema: {
        tags,
        summary: 'API keys of the organization',
        response: { 200: z.array(apiKeyResponse), ...problemResponses(401, 403) },
      },
    },
    async (request) => (await listApiKeys(app.db, principalOf(request).orgId)).map(toResponse),
  );

  app.post(
    '',
    {
      onRequest: manage,
      schema: {
        tags,
        summary: 'Create an API key (shown once)',
        body: createApiKeyBody,
        response: { 201: createdApiKeyResponse, ...problemResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const created = await createApiKey(app.db, app.keys, principalOf(request).orgId, request.body);
      return reply.code(201).send({ ...toResponse(created), key: created.key });
    },
  );

  app.delete(
    '/:id',
    {
      onRequest: manage,
      schema: {
        tags,
        summary: 'Revoke an API key',
        params: z.object({ id: z.uuid() }),
        response: { 204: z.null(), ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      await revokeApiKey(app.db, principalOf(request).orgId, request.params.id);
      return reply.code(204).send(null);
    },
  );
};
