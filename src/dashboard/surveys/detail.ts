import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { hasRole } from '../../auth/principal.ts';
import { remindNonResponders } from '../../delivery/reminders.ts';
import { Conflict, DomainError, ValidationFailed } from '../../errors.ts';
import { html } from '../../pages/html.ts';
import { plural } from '../../pages/plural.ts';
import { principalOf, requireRole } from '../../plugins/auth.ts';
import { listDimensions } from '../../roster/service.ts';
import { CODE_SHEET_CSP, invitationsCsv, printableCodeSheet } from '../../surveys/distribution.ts';
import { codePoolBody, surveyParams } from '../../surveys/schemas.ts';
import {
  closeSurvey,
  CodePoolTooLarge,
  createCodePool,
  getSurvey,
  listWaves,
  openWave,
} from '../../surveys/service.ts';
import { langOf, sendPage, seeOther } from '../shell/render.ts';
import { localText } from '../shell/text.ts';
import { detailPage, type DetailState } from './detail-view.ts';
import { formOf, numberOrNull } from '../shell/forms.ts';
import { participationOf } from './participation.ts';
import { SURVEYS } from './strings.ts';

const detailQuery = z.object({
  done: z.enum(['created', 'saved', 'reminded', 'closed', 'opened']).optional(),
  wave: z.coerce.number().int().min(1).max(100000).optional(),
  mode: z.enum(['email', 'codes']).optional(),
  without: z.coerce.number().int().min(0).max(10_000_000).optional(),
});

/** A survey's facts, waves and participation (analysts read), and its lifecycle actions (admins act). */
export const surveyDetailRoutes: FastifyPluginAsyncZod = async (app) => {
  const read = requireRole({ role: 'analyst' });
  const manage = requireRole({ role: 'admin' });

  async function showDetail(
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    state: DetailState,
    status = 200,
  ) {
    const lang = langOf(request);
    const t = SURVEYS[lang];
    const principal = principalOf(request);
    const survey = await getSurvey(app.db, principal.orgId, id);
    const waves = await listWaves(app.db, principal.orgId, id);
    const participation = await participationOf(app.db, principal, id, 'all');
    const dimensions = await listDimensions(app.db, principal.orgId);
    return sendPage(request, reply, {
      title: localText(survey.definition.title, lang, survey.definition.defaultLanguage),
      section: 'surveys',
      status,
      // After a refused action the language switcher returns to the survey, not to the POST's URL.
      path: `/hr/surveys/${id}`,
      body: detailPage({
        t,
        lang,
        survey,
        waves,
        participation,
        canAct: hasRole(principal, 'admin'),
        dimensions: dimensions.map((d) => ({ key: d.key, label: d.label ?? d.key })),
        state,
      }),
    });
  }

  /** A refusal of the service (409 and the like) shown on the survey's page, in the reader's language. */
  async function showProblem(request: FastifyRequest, reply: FastifyReply, id: string, error: unknown) {
    if (!(error instanceof DomainError) || error.status >= 500 || error.status === 404 || error.status === 403)
      throw error;
    const t = SURVEYS[langOf(request)];
    return showDetail(request, reply, id, { problem: t.problems[error.code] ?? t.invalid }, error.status);
  }

  app.get(
    '/surveys/:id',
    { onRequest: read, schema: { hide: true, params: surveyParams, querystring: detailQuery } },
    async (request, reply) => {
      const lang = langOf(request);
      const t = SURVEYS[lang];
      const q = request.query;
      let notice;
      if (q.done === 'opened' && q.wave !== undefined)
        notice = html`<p>${t.openedNotice(q.wave)}</p>
          ${q.mode === 'email' ? html`<p>${t.mailedNotice}</p>` : q.mode === 'codes' ? html`<p>${t.codesNotice}</p>` : ''}
          ${q.without ? html`<p>${plural(lang, q.without, t.withoutInvitation)}</p>` : ''}`;
      else if (q.done && q.done !== 'opened') notice = t.done[q.done];
      return showDetail(request, reply, request.params.id, { notice });
    },
  );

  app.post(
    '/surveys/:id/waves',
    { onRequest: manage, schema: { hide: true, params: surveyParams } },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      const id = request.params.id;
      let opened;
      try {
        // The form names the wave it opens, so a second press (or a reload, or a colleague's click)
        // opens nothing more: opening a wave closes the current one and, for download, mints links.
        const asked = Number((request.body as { wave?: unknown } | undefined)?.wave);
        const waves = await listWaves(app.db, orgId, id);
        if (!Number.isInteger(asked) || asked < 1)
          throw new ValidationFailed([{ field: 'wave', message: 'the number of the wave to open' }]);
        if (asked !== waves.length + 1) throw new Conflict('wave-already-opened', 'That wave was already opened.');
        opened = await openWave(app.db, app.keys, orgId, id, {
          publicUrl: app.config.publicUrl,
          emailEnabled: app.config.smtpUrl !== null,
        });
      } catch (error) {
        return showProblem(request, reply, id, error);
      }
      app.reportChanges.surveyChanged(orgId, id);
      const survey = await getSurvey(app.db, orgId, id);
      if (survey.delivery === 'download') {
        // The named links exist only now (only keyed hashes are stored), so they are the direct
        // answer to this POST, as a file: never in a URL (a redirect's Location, history, logs,
        // Referer), never kept for a later page, never rendered as HTML (a page could be restored
        // from the back/forward cache or history, or re-posted on reload to mint another wave).
        // An attachment is saved, not shown, and no-store keeps it out of every cache.
        return reply
          .code(200)
          .header('cache-control', 'no-store')
          .header('content-disposition', `attachment; filename="wave-${opened.wave.number}-invitations.csv"`)
          .type('text/csv; charset=utf-8')
          .send(invitationsCsv(app.config.publicUrl, opened.distribution) as never);
      }
      // E-mail and codes surveys: HR holds no link; the notice says what happened, with counts only.
      return seeOther(
        reply,
        `/hr/surveys/${id}?done=opened&wave=${opened.wave.number}&mode=${survey.delivery}&without=${opened.withoutInvitation}`,
      );
    },
  );

  app.post(
    '/surveys/:id/code-sheet',
    { onRequest: manage, schema: { hide: true, params: surveyParams } },
    async (request, reply) => {
      const t = SURVEYS[langOf(request)];
      const { orgId } = principalOf(request);
      const id = request.params.id;
      const values = formOf(request.body);
      const dimension = values.segmentDimension?.trim() ?? '';
      const value = values.segmentValue?.trim() ?? '';
      const errors: Record<string, string> = {};
      if (dimension && !value) errors.segmentValue = t.required;
      if (!dimension && value) errors.segmentDimension = t.required;
      const parsed = codePoolBody.safeParse({
        count: numberOrNull(values.count ?? ''),
        segment: dimension && value ? { [dimension]: value } : {},
      });
      if (!parsed.success)
        for (const issue of parsed.error.issues)
          errors[issue.path[0] === 'count' ? 'count' : 'segmentValue'] ??= t.between(1, 1000);
      if (!parsed.success || Object.keys(errors).length > 0)
        return showDetail(request, reply, id, { errors, values }, 400);
      let issued;
      try {
        issued = await createCodePool(app.db, app.keys, orgId, id, parsed.data);
      } catch (error) {
        if (error instanceof CodePoolTooLarge)
          return showDetail(
            request,
            reply,
            id,
            { errors: { count: t.tooLarge(Number(error.extra.available)) }, values },
            409,
          );
        if (error instanceof ValidationFailed)
          return showDetail(request, reply, id, { errors: { segmentDimension: t.invalid }, values }, 400);
        return showProblem(request, reply, id, error);
      }
      // The codes exist only in this answer (only keyed hashes are stored): the printable sheet is
      // the direct answer to the POST, never a page to come back to, with the sheet's own CSP.
      const sheet = await printableCodeSheet(
        app.db,
        orgId,
        id,
        app.config.publicUrl,
        issued.map((c) => c.code),
      );
      return reply
        .code(200)
        .header('cache-control', 'no-store')
        .header('content-security-policy', CODE_SHEET_CSP)
        .type('text/html; charset=utf-8')
        .send(sheet as never);
    },
  );

  app.post(
    '/surveys/:id/reminders',
    { onRequest: manage, schema: { hide: true, params: surveyParams } },
    async (request, reply) => {
      const id = request.params.id;
      try {
        await remindNonResponders(app.db, app.keys, principalOf(request).orgId, id, app.config.publicUrl, {
          onlyIfDue: false,
          emailEnabled: app.config.smtpUrl !== null,
        });
      } catch (error) {
        return showProblem(request, reply, id, error);
      }
      return seeOther(reply, `/hr/surveys/${id}?done=reminded`);
    },
  );

  app.post(
    '/surveys/:id/close',
    { onRequest: manage, schema: { hide: true, params: surveyParams } },
    async (request, reply) => {
      const t = SURVEYS[langOf(request)];
      const { orgId } = principalOf(request);
      const id = request.params.id;
      // Closing cannot be undone: it needs the reader's explicit confirmation in the same form.
      if (formOf(request.body).confirm !== 'yes')
        return showDetail(request, reply, id, { errors: { confirm: t.closeConfirmMissing } }, 400);
      try {
        await closeSurvey(app.db, app.keys, orgId, id);
      } catch (error) {
        return showProblem(request, reply, id, error);
      }
      app.reportChanges.surveyChanged(orgId, id);
      return seeOther(reply, `/hr/surveys/${id}?done=closed`);
    },
  );
};
