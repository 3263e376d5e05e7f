import multipart from '@fastify/multipart';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { html } from '../../pages/html.ts';
import { plural } from '../../pages/plural.ts';
import { principalOf, requireRole } from '../../plugins/auth.ts';
import { checkRosterImport } from '../../roster/import.ts';
import type { RowProblem } from '../../roster/rows.ts';
import {
  countParticipants,
  ImportRejected,
  importRoster,
  listDimensions,
  listParticipants,
} from '../../roster/service.ts';
import { storableText } from '../../db/text.ts';
import { dashboardErrorHandler } from '../shell/errors.ts';
import { langOf, sendPage, seeOther } from '../shell/render.ts';
import { dimensionRoutes } from './dimensions.ts';
import { ROSTER } from './strings.ts';
import { csvText, isUploadedFile, keepFile, MULTIPART_LIMITS, pastedTooLong } from './upload.ts';
import {
  dimensionsTable,
  importResult,
  participantsTable,
  rejectionReport,
  uploadForm,
  type UploadState,
} from './views.ts';

const PAGE = 50;
const count = z.coerce.number().int().min(0).max(10_000_000);
const rosterQuery = z.object({
  after: storableText(200).optional(),
  done: z.enum(['imported']).optional(),
  inserted: count.optional(),
  updated: count.optional(),
  deactivated: count.optional(),
  revoked: count.optional(),
});

/** The roster (issue 15): dimensions, people, and importing a file through the API's own import. */
export const rosterRoutes: FastifyPluginAsyncZod = async (app) => {
  const admin = requireRole({ role: 'admin' });
  // Only this plugin reads multipart bodies, with one file of at most UPLOAD_LIMIT_BYTES.
  await app.register(multipart, { attachFieldsToBody: 'keyValues', onFile: keepFile, limits: MULTIPART_LIMITS });

  const showRoster = async (
    request: FastifyRequest,
    reply: FastifyReply,
    state: { upload?: UploadState; report?: RowProblem[]; after?: string | undefined; status?: number } = {},
  ) => {
    const lang = langOf(request);
    const t = ROSTER[lang];
    const orgId = principalOf(request).orgId;
    const [dimensions, counts, participants] = await Promise.all([
      listDimensions(app.db, orgId),
      countParticipants(app.db, orgId),
      listParticipants(app.db, orgId, PAGE + 1, state.after),
    ]);
    const page = participants.slice(0, PAGE);
    const next = participants.length > PAGE ? page[page.length - 1]!.external_id : null;
    const query = request.query as z.infer<typeof rosterQuery>;
    const done =
      query.done === 'imported'
        ? importResult(lang, {
            inserted: query.inserted ?? 0,
            updated: query.updated ?? 0,
            deactivated: query.deactivated ?? 0,
            revokedInvitations: query.revoked ?? 0,
          })
        : '';
    return sendPage(request, reply, {
      title: t.title,
      section: 'roster',
      status: state.status ?? 200,
      body: html`<h1>${t.title}</h1>
        ${done} ${state.report ? rejectionReport(lang, state.report) : ''}
        <p class="facts-line" data-participants>
          ${plural(lang, counts.total, t.people)} · ${plural(lang, counts.active, t.activePeople)}
        </p>
        <h2>${t.dimensionsTitle}</h2>
        <p class="hint">${t.dimensionsIntro}</p>
        ${dimensionsTable(lang, dimensions)}
        <p><a href="/hr/roster/dimensions">${t.editDimensions}</a></p>
        ${uploadForm(lang, state.upload)}
        <h2>${t.participantsTitle}</h2>
        <p class="hint">${t.participantsHint}</p>
        ${participantsTable(lang, dimensions, page, next, state.after !== undefined)}`,
    });
  };

  app.get('/roster', { onRequest: admin, schema: { hide: true, querystring: rosterQuery } }, async (request, reply) =>
    showRoster(request, reply, { after: request.query.after }),
  );

  app.register(async (upload) => {
    // A file over the limit, or a second file, is refused with the form and a reason, never a 500.
    upload.setErrorHandler(async (error: FastifyError, request, reply) => {
      const t = ROSTER[langOf(request)];
      if (
        error.code === 'FST_REQ_FILE_TOO_LARGE' ||
        error.code === 'FST_PARTS_LIMIT' ||
        error.code === 'FST_FIELDS_LIMIT'
      )
        return showRoster(request, reply, { upload: { error: t.tooBig }, status: 413 });
      if (error.code === 'FST_FILES_LIMIT')
        return showRoster(request, reply, { upload: { error: t.tooMany }, status: 413 });
      return dashboardErrorHandler(error, request, reply);
    });

    upload.post('/roster/import', { onRequest: admin, schema: { hide: true } }, async (request, reply) => {
      const t = ROSTER[langOf(request)];
      const body = (request.body ?? {}) as Record<string, unknown>;
      const mode = body.mode === 'sync' ? 'sync' : 'upsert';
      const pasted = typeof body.csv === 'string' ? body.csv : '';
      const state = { mode, csv: pasted.length <= 64 * 1024 ? pasted : '' };
      if (pastedTooLong(pasted)) return showRoster(request, reply, { upload: { mode, error: t.tooBig }, status: 413 });
      let text: string | null = null;
      if (isUploadedFile(body.file) && body.file.bytes.length > 0) {
        text = csvText(body.file);
        if (text === null) return showRoster(request, reply, { upload: { ...state, error: t.notCsv }, status: 415 });
      } else if (pasted.trim() !== '') text = pasted;
      if (text === null || text.trim() === '')
        return showRoster(request, reply, { upload: { ...state, error: t.noFile }, status: 400 });
      const orgId = principalOf(request).orgId;
      try {
        const rows = await checkRosterImport(app.db, orgId, text);
        const result = await importRoster(app.db, orgId, rows, mode);
        return seeOther(
          reply,
          `/hr/roster?done=imported&inserted=${result.inserted}&updated=${result.updated}` +
            `&deactivated=${result.deactivated}&revoked=${result.revokedInvitations}`,
        );
      } catch (error) {
        if (error instanceof ImportRejected) {
          const report = (error.extra as { rows: RowProblem[] }).rows;
          return showRoster(request, reply, { upload: state, report, status: 422 });
        }
        throw error;
      }
    });
  });

  await app.register(dimensionRoutes);
};
