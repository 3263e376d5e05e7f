import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { storableText } from '../db/text.ts';
import { z } from 'zod';
import { principalOf, requireRole } from '../plugins/auth.ts';
import { problemResponses } from '../plugins/problems.ts';
import { NotFound } from '../errors.ts';
import { remindNonResponders } from '../delivery/reminders.ts';
import { sendText, wants } from '../exports/negotiation.ts';
import { CODE_SHEET_CSP, invitationLink, invitationsCsv, printableCodeSheet } from './distribution.ts';
import {
  codePoolBody,
  codePoolResponse,
  createSurveyBody,
  distributionResponse,
  surveyParams,
  surveyResponse,
  templateResponse,
  toSurveyResponse,
  updateSurveyBody,
  waveResponse,
} from './schemas.ts';
import {
  closeSurvey,
  createCodePool,
  createSurvey,
  getSurvey,
  listSurveys,
  listWaves,
  openWave,
  updateSurvey,
} from './service.ts';
import { findTemplate, TEMPLATES } from './templates.ts';

const read = requireRole({ role: 'analyst' });
const manage = requireRole({ role: 'admin' });
const tags = ['surveys'];

export const templateRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '',
    {
      onRequest: read,
      schema: {
        tags,
        summary: 'Shipped survey templates (en, ko, pl)',
        response: { 200: z.array(templateResponse), ...problemResponses(401) },
      },
    },
    async () => TEMPLATES,
  );
  app.get(
    '/:key',
    {
      onRequest: read,
      schema: {
        tags,
        summary: 'One template',
        params: z.object({ key: storableText(60) }),
        response: { 200: templateResponse, ...problemResponses(401, 404) },
      },
    },
    async (request) => findTemplate(request.params.key) ?? Promise.reject(new NotFound('Template')),
  );
};

export const surveyRoutes: FastifyPluginAsyncZod = async (app) => {
  const linkFor = (token: string) => invitationLink(app.config.publicUrl, token);

  app.post(
    '',
    {
      onRequest: manage,
      schema: {
        tags,
        summary: 'Create a draft survey, from a template or a definition',
        body: createSurveyBody,
        response: { 201: surveyResponse, ...problemResponses(400, 401, 403) },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(
          toSurveyResponse(
            await createSurvey(
              app.db,
              principalOf(request).orgId,
              request.body,
              app.config.smtpUrl ? 'email' : 'codes',
            ),
          ),
        ),
  );

  app.get(
    '',
    {
      onRequest: read,
      schema: {
        tags,
        summary: 'Surveys of the organization',
        response: { 200: z.array(surveyResponse), ...problemResponses(401) },
      },
    },
    async (request) => (await listSurveys(app.db, principalOf(request).orgId)).map(toSurveyResponse),
  );

  app.get(
    '/:id',
    {
      onRequest: read,
      schema: {
        tags,
        summary: 'One survey',
        params: surveyParams,
        response: { 200: surveyResponse, ...problemResponses(400, 401, 404) },
      },
    },
    async (request) => toSurveyResponse(await getSurvey(app.db, principalOf(request).orgId, request.params.id)),
  );

  app.patch(
    '/:id',
    {
      onRequest: manage,
      schema: {
        tags,
        summary: 'Edit a draft; on an open survey only raise k',
        params: surveyParams,
        body: updateSurveyBody,
        response: { 200: surveyResponse, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) =>
      toSurveyResponse(await updateSurvey(app.db, principalOf(request).orgId, request.params.id, request.body)),
  );

  app.get(
    '/:id/waves',
    {
      onRequest: read,
      schema: {
        tags,
        summary: 'Waves of a survey',
        params: surveyParams,
        response: { 200: z.array(waveResponse), ...problemResponses(400, 401, 404) },
      },
    },
    async (request) =>
      (await listWaves(app.db, principalOf(request).orgId, request.params.id)).map((w) => ({
        id: w.id,
        number: w.number,
        status: w.status,
        openedOn: w.opened_on,
        closedOn: w.closed_on,
      })),
  );

  app.post(
    '/:id/waves',
    {
      onRequest: manage,
      schema: {
        tags,
        summary: 'Open the next wave: close the current one and issue fresh invitations (shown once)',
        params: surveyParams,
        response: { 201: distributionResponse, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const { orgId } = principalOf(request);
      const { wave, distribution, withoutInvitation } = await openWave(app.db, app.keys, orgId, request.params.id, {
        publicUrl: app.config.publicUrl,
        emailEnabled: app.config.smtpUrl !== null,
      });
      // The previous wave closed with it: its last answers are released.
      app.reportChanges.surveyChanged(orgId, request.params.id);
      reply.code(201);
      if (wants(request.headers.accept, 'text/csv')) {
        const csv = invitationsCsv(app.config.publicUrl, distribution);
        return sendText(reply, 'text/csv; charset=utf-8', csv, {
          'content-disposition': `attachment; filename="wave-${wave.number}-invitations.csv"`,
        });
      }
      return {
        wave: { id: wave.id, number: wave.number, openedOn: wave.opened_on },
        invitations: distribution.map((d) => ({
          externalId: d.externalId,
          email: d.email,
          name: d.name,
          link: linkFor(d.token),
          code: d.code,
        })),
        withoutInvitation,
      };
    },
  );

  app.post(
    '/:id/reminders',
    {
      onRequest: manage,
      schema: {
        tags,
        summary: "Remind the current wave's non-responders by e-mail (nobody sees who they are)",
        description:
          'Every e-mailed invitee gets a fresh link and code (so changed rows reveal nothing); only those who have not answered are mailed.',
        params: surveyParams,
        response: { 202: z.object({ status: z.literal('queued') }), ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      await remindNonResponders(app.db, app.keys, principalOf(request).orgId, request.params.id, app.config.publicUrl, {
        onlyIfDue: false,
        emailEnabled: app.config.smtpUrl !== null,
      });
      return reply.code(202).send({ status: 'queued' as const });
    },
  );

  app.post(
    '/:id/close',
    {
      onRequest: manage,
      schema: {
        tags,
        summary: 'Close the survey: expires every token and releases every response',
        params: surveyParams,
        response: { 200: surveyResponse, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const { orgId } = principalOf(request);
      const closed = toSurveyResponse(await closeSurvey(app.db, app.keys, orgId, request.params.id));
      app.reportChanges.surveyChanged(orgId, request.params.id);
      return closed;
    },
  );

  app.post(
    '/:id/code-pools',
    {
      onRequest: manage,
      schema: {
        tags,
        summary: 'Anonymous codes for kiosks: JSON, or a printable sheet with QR codes (Accept: text/html)',
        params: surveyParams,
        body: codePoolBody,
        response: { 201: codePoolResponse, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const codes = (
        await createCodePool(app.db, app.keys, principalOf(request).orgId, request.params.id, request.body)
      ).map((c) => ({ code: c.code, link: linkFor(c.token) }));
      reply.code(201);
      if (wants(request.headers.accept, 'text/html')) {
        const html = await printableCodeSheet(
          app.db,
          principalOf(request).orgId,
          request.params.id,
          app.config.publicUrl,
          codes.map((c) => c.code),
        );
        return sendText(reply, 'text/html; charset=utf-8', html, { 'content-security-policy': CODE_SHEET_CSP });
      }
      return { codes };
    },
  );
};
