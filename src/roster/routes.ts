import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { principalOf, requireRole } from '../plugins/auth.ts';
import { problemResponses } from '../plugins/problems.ts';
import { checkRosterImport } from './import.ts';
import type { RawRow } from './rows.ts';
import {
  dimensionsBody,
  dimensionsResponse,
  importQuery,
  importResponse,
  jsonRosterBody,
  participantResponse,
  participantsQuery,
} from './schemas.ts';
import { importRoster, listDimensions, listParticipants, replaceDimensions } from './service.ts';

// 100,000 rows of a wide roster are ~15 MB; leave room.
const IMPORT_BODY_LIMIT = 64 * 1024 * 1024;
const tags = ['roster'];

export const rosterRoutes: FastifyPluginAsyncZod = async (app) => {
  // A roster is CSV or JSON, said so by its sender: Fastify's default text/plain parser would let
  // any text in as CSV (issue 11). This plugin is encapsulated, so other routes keep theirs.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: IMPORT_BODY_LIMIT }, (_request, body, done) =>
    done(null, body),
  );

  app.get(
    '/dimensions',
    {
      onRequest: requireRole({ role: 'analyst' }),
      schema: {
        tags,
        summary: 'Attribute dimensions of the roster',
        response: { 200: dimensionsResponse, ...problemResponses(401) },
      },
    },
    async (request) => listDimensions(app.db, principalOf(request).orgId),
  );

  app.put(
    '/dimensions',
    {
      onRequest: requireRole({ role: 'admin' }),
      schema: {
        tags,
        summary: 'Declare the attribute dimensions (ordered) and which are reportable',
        description:
          'Which dimensions are reportable, and their order, apply to surveys opened afterwards: a survey reports, ' +
          'snapshots and releases along the dimensions fixed when it first opened (SPEC P3; see its `reporting`).',
        body: dimensionsBody,
        response: { 200: dimensionsResponse, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => replaceDimensions(app.db, principalOf(request).orgId, request.body),
  );

  app.post(
    '/import',
    {
      bodyLimit: IMPORT_BODY_LIMIT,
      onRequest: requireRole({ role: 'admin' }),
      schema: {
        tags,
        summary: 'Import participants from CSV (text/csv) or JSON, as an upsert by external id',
        description:
          'CSV columns: external_id, email, name, then one per declared dimension. All or nothing: a bad row yields 422 with row, field and reason for each problem.',
        querystring: importQuery,
        // Each CSV cell is checked by the storable-text rule (isStorable) in validateRows, with its row.
        body: z.union([z.string().max(IMPORT_BODY_LIMIT).describe('text/csv'), jsonRosterBody]),
        response: { 200: importResponse, ...problemResponses(400, 401, 403, 413, 422) },
      },
    },
    async (request) => {
      const orgId = principalOf(request).orgId;
      const rows = await checkRosterImport(app.db, orgId, request.body as string | RawRow[]);
      return importRoster(app.db, orgId, rows, request.query.mode);
    },
  );

  app.get(
    '/participants',
    {
      onRequest: requireRole({ role: 'admin' }),
      schema: {
        tags,
        summary: 'Participants, by external id',
        querystring: participantsQuery,
        response: { 200: z.array(participantResponse), ...problemResponses(400, 401, 403) },
      },
    },
    async (request) =>
      (await listParticipants(app.db, principalOf(request).orgId, request.query.limit, request.query.after)).map(
        (p) => ({
          id: p.id,
          externalId: p.external_id,
          email: p.email,
          name: p.name,
          active: p.active,
          attributes: p.attributes,
        }),
      ),
  );
};
