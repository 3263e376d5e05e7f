import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { storableText } from '../db/text.ts';
import { principalOf, requireRole } from '../plugins/auth.ts';
import { problemResponses } from '../plugins/problems.ts';
import { organizationResponse, toOrganizationResponse, updateOrganizationBody } from './schemas.ts';
import { deleteOrganization, getOrganization, updateOrganization } from './service.ts';
import { batchKeysOf } from '../anonymity/batch-keys.ts';
import { z } from 'zod';

export const organizationRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '',
    {
      onRequest: requireRole({ role: 'analyst' }),
      schema: {
        tags: ['organization'],
        summary: "The caller's organization",
        response: { 200: organizationResponse, ...problemResponses(401) },
      },
    },
    async (request) => toOrganizationResponse(await getOrganization(app.db, principalOf(request).orgId)),
  );

  app.patch(
    '',
    {
      onRequest: requireRole({ role: 'owner' }),
      schema: {
        tags: ['organization'],
        summary: 'Rename or change the default k',
        description:
          'Changes to reportablePairs and commentMinGroupSize (like minGroupSize) apply to surveys opened afterwards: ' +
          "a survey's reporting configuration is fixed when it first opens (SPEC P3; see its `reporting`).",
        body: updateOrganizationBody,
        response: { 200: organizationResponse, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) =>
      toOrganizationResponse(await updateOrganization(app.db, principalOf(request).orgId, request.body)),
  );

  app.delete(
    '',
    {
      onRequest: requireRole({ role: 'owner', sessionOnly: true }),
      schema: {
        tags: ['organization'],
        summary: 'Delete the organization and all of its data (irreversible)',
        body: z.object({ confirm: storableText(63).describe("The organization's slug, typed again.") }),
        response: { 204: z.null(), ...problemResponses(400, 401, 403) },
      },
    },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      await deleteOrganization(app.db, orgId, request.body.confirm);
      await batchKeysOf(app.keys).destroyOrganization(orgId);
      return reply.code(204).send(null);
    },
  );
};
