import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { principalOf, requireRole } from '../plugins/auth.ts';
import { problemResponses } from '../plugins/problems.ts';
import { ValidationFailed } from '../errors.ts';
import { sendText, wants } from '../exports/negotiation.ts';
import { commentsCsv, CSV_TYPE, csvHeaders, groupsCsv, heatmapCsv, trendCsv } from './csv-tables.ts';
import { breakdown, comments, heatmap, loadContext, overview, trend } from './service.ts';
import { waveCaveats } from './caveats.ts';
import {
  breakdownQuery,
  breakdownResponse,
  commentsQuery,
  commentsResponse,
  heatmapQuery,
  heatmapResponse,
  overviewResponse,
  reportParams,
  toWave,
  trendQuery,
  trendResponse,
  waveQuery,
} from './schemas.ts';

const read = requireRole({ role: 'analyst' });
const tags = ['reports'];
const errors = problemResponses(400, 401, 403, 404, 409, 503);
/** Aggregates only, along declared dimensions only (no free filters: Denning's trackers). */
export const reportRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/:id/overview',
    {
      onRequest: read,
      schema: {
        tags,
        summary: 'Invited, responded, rate, engagement, eNPS, themes and every question',
        params: reportParams,
        querystring: waveQuery,
        response: { 200: overviewResponse, ...errors },
      },
    },
    async (request, reply) => {
      const ctx = await loadContext(app.db, principalOf(request), request.params.id);
      const result = await overview(app.db, ctx, request.query.wave);
      // Counts of what HR itself caused, and of what it could not see coming (issue 13, 14).
      const caveats = await waveCaveats(app.db, ctx.orgId, result.wave, ctx.k, app.keys);
      const ids = ctx.definition.questions.map((q) => q.id);
      if (wants(request.headers.accept, 'text/csv'))
        return sendText(reply, CSV_TYPE, groupsCsv(ids, [result.report]), csvHeaders('overview'));
      return { wave: toWave(result.wave), scope: result.scope, report: result.report, caveats };
    },
  );

  app.get(
    '/:id/breakdown',
    {
      onRequest: read,
      schema: {
        tags,
        summary: 'Every metric per group of one reportable dimension (or a declared pair)',
        params: reportParams,
        querystring: breakdownQuery,
        response: { 200: breakdownResponse, ...errors },
      },
    },
    async (request, reply) => {
      const ctx = await loadContext(app.db, principalOf(request), request.params.id);
      const result = await breakdown(app.db, ctx, request.query.wave, request.query.dimension, request.query.by);
      const ids = ctx.definition.questions.map((q) => q.id);
      if (wants(request.headers.accept, 'text/csv'))
        return sendText(reply, CSV_TYPE, groupsCsv(ids, result.groups), csvHeaders('breakdown'));
      return { wave: toWave(result.wave), dimension: result.dimension, by: result.by, groups: result.groups };
    },
  );

  app.get(
    '/:id/heatmap',
    {
      onRequest: read,
      schema: {
        tags,
        summary: 'Groups of a dimension against themes or questions',
        params: reportParams,
        querystring: heatmapQuery,
        response: { 200: heatmapResponse, ...errors },
      },
    },
    async (request, reply) => {
      const ctx = await loadContext(app.db, principalOf(request), request.params.id);
      const result = await heatmap(app.db, ctx, request.query.wave, request.query.dimension, request.query.columns);
      if (wants(request.headers.accept, 'text/csv'))
        return sendText(reply, CSV_TYPE, heatmapCsv(result), csvHeaders('heatmap'));
      return { ...result, wave: toWave(result.wave) };
    },
  );

  app.get(
    '/:id/trend',
    {
      onRequest: read,
      schema: {
        tags,
        summary: 'Each metric per wave, overall or per group',
        params: reportParams,
        querystring: trendQuery,
        response: { 200: trendResponse, ...errors },
      },
    },
    async (request, reply) => {
      const ctx = await loadContext(app.db, principalOf(request), request.params.id);
      const points = await trend(app.db, ctx, request.query.dimension);
      const ids = ctx.definition.questions.map((q) => q.id);
      if (wants(request.headers.accept, 'text/csv')) {
        return sendText(reply, CSV_TYPE, trendCsv(ids, points), csvHeaders('trend'));
      }
      return points;
    },
  );

  app.get(
    '/:id/comments',
    {
      onRequest: read,
      schema: {
        tags,
        summary: 'Comments of a text question: groups of at least the comment threshold, random order',
        params: reportParams,
        querystring: commentsQuery,
        response: { 200: commentsResponse, ...errors },
      },
    },
    async (request, reply) => {
      const { dimension, value } = request.query;
      if ((dimension === undefined) !== (value === undefined))
        throw new ValidationFailed([
          {
            field: dimension === undefined ? 'query.dimension' : 'query.value',
            message: 'dimension and value go together',
          },
        ]);
      const ctx = await loadContext(app.db, principalOf(request), request.params.id);
      const result = await comments(
        app.db,
        ctx,
        request.query.wave,
        request.query.question,
        dimension !== undefined && value !== undefined ? { dimension, value } : undefined,
      );
      if (wants(request.headers.accept, 'text/csv'))
        return sendText(reply, CSV_TYPE, commentsCsv(result.comments), csvHeaders('comments'));
      return { ...result, wave: toWave(result.wave) };
    },
  );
};
