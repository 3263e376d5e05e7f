import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { storableText } from '../../db/text.ts';
import { Conflict } from '../../errors.ts';
import { sendText } from '../../exports/negotiation.ts';
import { html, type SafeHtml } from '../../pages/html.ts';
import { principalOf, requireRole } from '../../plugins/auth.ts';
import { waveCaveats } from '../../reports/caveats.ts';
import type { ReportContext } from '../../reports/context.ts';
import { commentsCsv, CSV_TYPE, csvHeaders, groupsCsv, heatmapCsv, trendCsv } from '../../reports/csv-tables.ts';
import { reportParams, waveQuery } from '../../reports/schemas.ts';
import { breakdown, comments, heatmap, loadContext, overview, trend } from '../../reports/service.ts';
import { listDimensions } from '../../roster/service.ts';
import { langOf, sendPage } from '../shell/render.ts';
import { dimensionPicker, heatmapLegend, heatmapTable } from './breakdown-view.ts';
import { commentsBody } from './comments-view.ts';
import {
  base,
  downloadLink,
  query,
  readableDimensions,
  resultsHeader,
  surveyTitle,
  wavePicker,
  type ResultPage,
} from './common.ts';
import { overviewBody } from './overview-view.ts';
import { RESULTS } from './strings.ts';
import { METRICS, trendBody } from './trend-view.ts';

/** The same role as the report API (analyst or above); a scoped analyst's scope comes from loadContext. */
const read = requireRole({ role: 'analyst' });
const breakdownPageQuery = waveQuery.extend({
  dimension: storableText(40).optional(),
  by: storableText(40).optional(),
});
const heatmapCsvQuery = waveQuery.extend({
  dimension: storableText(40),
  columns: z.enum(['theme', 'question']).default('question'),
});
const trendPageQuery = z.strictObject({
  dimension: storableText(40).optional(),
  metric: z.enum(METRICS).default('engagement'),
});
const trendCsvQuery = z.strictObject({ dimension: storableText(40).optional() });
const commentsPageQuery = waveQuery.extend({ question: storableText(40).optional() });
const schema = <Q extends z.ZodType>(querystring: Q) => ({ hide: true, params: reportParams, querystring });

type Request = FastifyRequest<{ Params: { id: string } }>;

/**
 * The results pages (issue 15): every number from the report services the API serves, for the
 * same reader; CSV downloads built by the API's own CSV code (src/reports/csv-tables.ts).
 */
export const resultsRoutes: FastifyPluginAsyncZod = async (app) => {
  async function contextOf(request: Request) {
    const ctx = await loadContext(app.db, principalOf(request), request.params.id);
    const labels = new Map(
      (await listDimensions(app.db, ctx.orgId)).map((d) => [d.key, d.label && d.label.trim() ? d.label : d.key]),
    );
    return { ctx, label: (key: string) => labels.get(key) ?? key };
  }

  /** The latest closed wave where none is asked for: the pages that need a closed wave open on one. */
  const closedDefault = (ctx: ReportContext, wave: number | undefined) =>
    wave ?? ctx.waves.filter((w) => w.status === 'closed').at(-1)?.number ?? ctx.waves.at(-1)?.number;

  function page(
    request: Request,
    reply: FastifyReply,
    input: {
      ctx: ReportContext;
      label: (k: string) => string;
      page: ResultPage;
      wave: number | undefined;
      body: SafeHtml;
      status?: number;
    },
  ) {
    const lang = langOf(request);
    const t = RESULTS[lang];
    const header = resultsHeader({
      lang,
      ctx: input.ctx,
      page: input.page,
      wave: input.wave,
      dimensionLabel: input.label,
    });
    return sendPage(request, reply, {
      title: `${t.results} · ${surveyTitle(input.ctx, lang)}`,
      section: 'surveys',
      status: input.status,
      body: html`${header}${input.ctx.waves.length ? input.body : html`<p>${t.noWave}</p>`}`,
    });
  }

  /** An open wave: the API's 409 wave-open, as a page in the reader's language with a way on. */
  async function openRefusal(
    request: Request,
    reply: FastifyReply,
    input: {
      ctx: ReportContext;
      label: (k: string) => string;
      page: ResultPage;
      wave: number;
      href: (wave: number) => string;
    },
  ) {
    const t = RESULTS[langOf(request)];
    const last = input.ctx.waves.filter((w) => w.status === 'closed').at(-1);
    return page(request, reply, {
      ...input,
      status: 409,
      body: html`${wavePicker(langOf(request), input.ctx, input.wave, input.href)}
        <p class="notice problem">${t.openWaveRefusal(input.wave)}</p>
        ${last ? html`<p><a href="${input.href(last.number)}">${t.readClosed(last.number)}</a></p>` : ''}`,
    });
  }

  const isWaveOpen = (error: unknown) => error instanceof Conflict && error.code === 'wave-open';

  app.get('/surveys/:id/results', { onRequest: read, schema: schema(waveQuery) }, async (request, reply) => {
    const { ctx, label } = await contextOf(request);
    const lang = langOf(request);
    const t = RESULTS[lang];
    if (!ctx.waves.length) return page(request, reply, { ctx, label, page: 'overview', wave: undefined, body: html`` });
    const result = await overview(app.db, ctx, request.query.wave);
    const caveats = await waveCaveats(app.db, ctx.orgId, result.wave, ctx.k, app.keys);
    const href = (n: number) => `${base(ctx.surveyId)}${query({ wave: n })}`;
    return page(request, reply, {
      ctx,
      label,
      page: 'overview',
      wave: result.wave.number,
      body: html`${wavePicker(lang, ctx, result.wave.number, href)}
      ${overviewBody({ lang, ctx, wave: result.wave, report: result.report, caveats })}
      ${downloadLink(t.download(t.overview), `${base(ctx.surveyId)}/overview.csv${query({ wave: result.wave.number })}`)}`,
    });
  });

  app.get(
    '/surveys/:id/results/breakdown',
    { onRequest: read, schema: schema(breakdownPageQuery) },
    async (request, reply) => {
      const { ctx, label } = await contextOf(request);
      const lang = langOf(request);
      const t = RESULTS[lang];
      const wave = closedDefault(ctx, request.query.wave);
      const dimension = request.query.dimension ?? readableDimensions(ctx)[0];
      const { by } = request.query;
      const href = (d: string, b?: string, w = wave) =>
        `${base(ctx.surveyId)}/breakdown${query({ dimension: d, by: b, wave: w })}`;
      if (!ctx.waves.length || dimension === undefined)
        return page(request, reply, { ctx, label, page: 'breakdown', wave, body: html`<p>${t.noDimensions}</p>` });
      let result;
      try {
        result = await breakdown(app.db, ctx, wave, dimension, by);
      } catch (error) {
        if (isWaveOpen(error) && wave !== undefined)
          return openRefusal(request, reply, {
            ctx,
            label,
            page: 'breakdown',
            wave,
            href: (w) => href(dimension, by, w),
          });
        throw error;
      }
      const name = by ? `${label(dimension)} × ${label(by)}` : label(dimension);
      const csv = `${base(ctx.surveyId)}/breakdown.csv${query({ dimension, by, wave: result.wave.number })}`;
      return page(request, reply, {
        ctx,
        label,
        page: 'breakdown',
        wave: result.wave.number,
        body: html`${wavePicker(lang, ctx, result.wave.number, (w) => href(dimension, by, w))}
          ${dimensionPicker({ lang, ctx, current: { dimension, by }, href: (d, b) => href(d, b), label })}
          ${heatmapTable({ lang, ctx, groups: result.groups, caption: t.heatmapCaption(name) })}
          ${heatmapLegend(lang, ctx.k)}
          <h2>CSV</h2>
          ${downloadLink(t.download(`${t.breakdown}: ${name}`), csv)}
          ${
            by
              ? ''
              : html`${downloadLink(
                  `${t.download(`${t.byQuestion}: ${name}`)}`,
                  `${base(ctx.surveyId)}/heatmap.csv${query({ dimension, columns: 'question', wave: result.wave.number })}`,
                )}
                ${downloadLink(
                  `${t.download(`${t.byTheme}: ${name}`)}`,
                  `${base(ctx.surveyId)}/heatmap.csv${query({ dimension, columns: 'theme', wave: result.wave.number })}`,
                )}`
          }`,
      });
    },
  );

  app.get('/surveys/:id/results/trend', { onRequest: read, schema: schema(trendPageQuery) }, async (request, reply) => {
    const { ctx, label } = await contextOf(request);
    const lang = langOf(request);
    const t = RESULTS[lang];
    const { dimension, metric } = request.query;
    const points = await trend(app.db, ctx, dimension);
    const href = (d: string | undefined, m: string) =>
      `${base(ctx.surveyId)}/trend${query({ dimension: d, metric: m })}`;
    const caption = t.trendCaption(t.metrics[metric]!, dimension ? label(dimension) : null);
    const mark = (on: boolean) => (on ? html`aria-current="page"` : '');
    return page(request, reply, {
      ctx,
      label,
      page: 'trend',
      wave: undefined,
      body: html`<nav class="picker" aria-label="${t.dimensions}">
          <span class="picker-label">${t.dimension}:</span>
          <ul>
            <li><a href="${href(undefined, metric)}" ${mark(!dimension)}>${t.overall}</a></li>
            ${readableDimensions(ctx).map((d) => html`<li><a href="${href(d, metric)}" ${mark(d === dimension)}>${label(d)}</a></li>`)}
          </ul>
          <span class="picker-label">${t.metric}:</span>
          <ul>
            ${METRICS.map((m) => html`<li><a href="${href(dimension, m)}" ${mark(m === metric)}>${t.metrics[m]}</a></li>`)}
          </ul>
        </nav>
        ${trendBody({
          lang,
          points,
          metric,
          caption,
          overallLabel: (g) => (dimension ? g : ctx.scope ? g : t.overall),
        })}
        ${downloadLink(t.download(t.trend), `${base(ctx.surveyId)}/trend.csv${query({ dimension })}`)}`,
    });
  });

  app.get(
    '/surveys/:id/results/comments',
    { onRequest: read, schema: schema(commentsPageQuery) },
    async (request, reply) => {
      const { ctx, label } = await contextOf(request);
      const lang = langOf(request);
      const t = RESULTS[lang];
      const wave = closedDefault(ctx, request.query.wave);
      const question = request.query.question ?? ctx.definition.questions.find((q) => q.type === 'text')?.id;
      const href = (q: string | undefined, w = wave) =>
        `${base(ctx.surveyId)}/comments${query({ question: q, wave: w })}`;
      if (!ctx.waves.length || question === undefined)
        return page(request, reply, { ctx, label, page: 'comments', wave, body: html`<p>${t.noTextQuestion}</p>` });
      let result;
      try {
        result = await comments(app.db, ctx, wave, question, undefined);
      } catch (error) {
        if (isWaveOpen(error) && wave !== undefined)
          return openRefusal(request, reply, { ctx, label, page: 'comments', wave, href: (w) => href(question, w) });
        throw error;
      }
      return page(request, reply, {
        ctx,
        label,
        page: 'comments',
        wave: result.wave.number,
        body: html`${wavePicker(lang, ctx, result.wave.number, (w) => href(question, w))}
        ${commentsBody({ lang, ctx, question, result, href: (q) => href(q) })}
        ${
          result.suppressed
            ? ''
            : downloadLink(
                t.download(t.comments),
                `${base(ctx.surveyId)}/comments.csv${query({ question, wave: result.wave.number })}`,
              )
        }`,
      });
    },
  );

  // CSV downloads: the API's tables from the API's CSV code; recorded by the audit log like the API's.
  const csv = (reply: FastifyReply, name: string, body: string) => sendText(reply, CSV_TYPE, body, csvHeaders(name));
  const ids = (ctx: ReportContext) => ctx.definition.questions.map((q) => q.id);

  app.get(
    '/surveys/:id/results/overview.csv',
    { onRequest: read, schema: schema(waveQuery) },
    async (request, reply) => {
      const ctx = await loadContext(app.db, principalOf(request), request.params.id);
      const result = await overview(app.db, ctx, request.query.wave);
      return csv(reply, 'overview', groupsCsv(ids(ctx), [result.report]));
    },
  );
  app.get(
    '/surveys/:id/results/breakdown.csv',
    {
      onRequest: read,
      schema: schema(waveQuery.extend({ dimension: storableText(40), by: storableText(40).optional() })),
    },
    async (request, reply) => {
      const ctx = await loadContext(app.db, principalOf(request), request.params.id);
      const result = await breakdown(app.db, ctx, request.query.wave, request.query.dimension, request.query.by);
      return csv(reply, 'breakdown', groupsCsv(ids(ctx), result.groups));
    },
  );
  app.get(
    '/surveys/:id/results/heatmap.csv',
    { onRequest: read, schema: schema(heatmapCsvQuery) },
    async (request, reply) => {
      const ctx = await loadContext(app.db, principalOf(request), request.params.id);
      const result = await heatmap(app.db, ctx, request.query.wave, request.query.dimension, request.query.columns);
      return csv(reply, 'heatmap', heatmapCsv(result));
    },
  );
  app.get(
    '/surveys/:id/results/trend.csv',
    { onRequest: read, schema: schema(trendCsvQuery) },
    async (request, reply) => {
      const ctx = await loadContext(app.db, principalOf(request), request.params.id);
      return csv(reply, 'trend', trendCsv(ids(ctx), await trend(app.db, ctx, request.query.dimension)));
    },
  );
  app.get(
    '/surveys/:id/results/comments.csv',
    { onRequest: read, schema: schema(waveQuery.extend({ question: storableText(40) })) },
    async (request, reply) => {
      const ctx = await loadContext(app.db, principalOf(request), request.params.id);
      const result = await comments(app.db, ctx, request.query.wave, request.query.question, undefined);
      return csv(reply, 'comments', commentsCsv(result.comments));
    },
  );
};
