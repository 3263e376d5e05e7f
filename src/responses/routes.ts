import { storableText } from '../db/text.ts';
import { spendCodeGuess } from '../plugins/code-guessing.ts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { problemResponses } from '../plugins/problems.ts';
import { memoizingSerializerCompiler } from '../plugins/serializer.ts';
import { orgSlugSchema } from '../auth/schemas.ts';
import { QUESTION_TYPES } from '../surveys/questions.ts';
import {
  contextForSession,
  localizeSurvey,
  sessionFromCode,
  sessionFromLinkToken,
  submitAnswers,
  type SubmitContext,
  warmOpenWaves,
} from './service.ts';
import { SURVEY_SESSION_PREFIX } from './survey-session.ts';
import { preferredLanguages } from '../pages/i18n.ts';

type OpenedSession = Awaited<ReturnType<typeof sessionFromLinkToken>>;

export const SURVEY_COOKIE = 'quorum_survey';
const tags = ['employee'];

const respondentSurvey = z.object({
  title: z.string(),
  language: z.string(),
  languages: z.array(z.string()),
  minGroupSize: z.number().int().describe('Results are shown only for groups of at least this many people.'),
  questions: z.array(
    z.object({
      id: z.string(),
      type: z.enum(QUESTION_TYPES),
      text: z.string(),
      required: z.boolean(),
      theme: z.string().optional(),
      options: z.array(z.object({ id: z.string(), text: z.string() })).optional(),
      maxLength: z.number().int().optional(),
    }),
  ),
});
const sessionResponse = z.object({ sessionToken: z.string(), expiresAt: z.iso.datetime(), survey: respondentSurvey });
const languageQuery = z.object({ lang: storableText(20).optional() });

const languagesOf = (request: FastifyRequest, lang: string | undefined) =>
  preferredLanguages(request.headers['accept-language'], lang);

function sessionTokenOf(request: FastifyRequest): string | undefined {
  const bearer = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
  return bearer?.startsWith(`${SURVEY_SESSION_PREFIX}_`) ? bearer : request.cookies[SURVEY_COOKIE];
}

/** Employee side: no account; a link token or a typed code opens a short survey session. */
export const respondRoutes: FastifyPluginAsyncZod = async (app) => {
  // Lax, not Strict: the link is opened from a mail client, a cross-site navigation.
  const cookie = { httpOnly: true, sameSite: 'lax', secure: app.config.cookieSecure, path: '/' } as const;

  /** A link or a code opened a session: its cookie, and the survey in the reader's language. */
  const opened = (request: FastifyRequest, reply: FastifyReply, session: OpenedSession, lang: string | undefined) => {
    reply.setCookie(SURVEY_COOKIE, session.token, { ...cookie, expires: session.expiresAt });
    return {
      sessionToken: session.token,
      expiresAt: session.expiresAt.toISOString(),
      survey: localizeSurvey(session.context, languagesOf(request, lang)),
    };
  };

  app.post(
    '/session',
    {
      config: { rateLimit: { max: 30, timeWindow: '1 minute' } },
      schema: {
        tags,
        summary: 'Exchange an invitation link token for a survey session',
        body: z.object({ token: storableText(200).min(1) }),
        querystring: languageQuery,
        response: { 200: sessionResponse, ...problemResponses(400, 404, 409, 410, 429) },
      },
    },
    async (request, reply) =>
      opened(request, reply, await sessionFromLinkToken(app.db, app.keys, request.body.token), request.query.lang),
  );

  // Codes are guessable in principle (docs/codes.md): each try spends from the budgets the kiosk
  // form shares; a typo the check digit catches spends nothing but this route's rate limit.
  const codeGuess = spendCodeGuess(
    app,
    (request) => (request.body as { organization?: string } | undefined)?.organization,
    (request) => (request.body as { code?: string } | undefined)?.code,
  );
  app.post(
    '/code',
    {
      preHandler: codeGuess,
      config: { rateLimit: { max: 60, timeWindow: '1 minute' } },
      schema: {
        tags,
        summary: 'Exchange a nickname code typed at a kiosk for a survey session',
        body: z.object({ organization: orgSlugSchema, code: storableText(200).min(1) }),
        querystring: languageQuery,
        response: { 200: sessionResponse, ...problemResponses(400, 404, 409, 410, 422, 429) },
      },
    },
    async (request, reply) =>
      opened(
        request,
        reply,
        await sessionFromCode(app.db, app.keys, request.body.organization, request.body.code),
        request.query.lang,
      ),
  );

  // The survey's answer encoded ahead, like the rest of what a fetch needs (warmOpenWave): on the
  // open-waves view's clock, for every language of every open wave, never by a first fetch.
  const encodeSurvey = memoizingSerializerCompiler({
    schema: respondentSurvey,
    method: 'GET',
    url: '/v1/respond/survey',
    httpStatus: '200',
  });
  app.openWaves.afterRead(async (waves) => {
    for (const survey of await warmOpenWaves(app.db, app.keys, waves)) encodeSurvey(survey);
  });

  app.get(
    '/survey',
    {
      serializerCompiler: (route) =>
        route.httpStatus === '200' ? encodeSurvey : memoizingSerializerCompiler(route as never),
      schema: {
        tags,
        summary: 'The survey of the current session, in the requested language',
        querystring: languageQuery,
        security: [{ surveySession: [] }, { surveyCookie: [] }],
        response: { 200: respondentSurvey, ...problemResponses(401, 409, 410) },
      },
    },
    async (request) => {
      const ctx = await contextForSession(app.db, app.keys, sessionTokenOf(request), app.openWaves);
      return localizeSurvey(ctx, languagesOf(request, request.query.lang));
    },
  );

  app.post(
    '/submit',
    {
      config: { rateLimit: { max: 30, timeWindow: '1 minute' } },
      schema: {
        tags,
        summary: 'Submit the answers, once',
        security: [{ surveySession: [] }, { surveyCookie: [] }],
        body: z.object({ answers: z.record(storableText(40), z.unknown()) }),
        // IETF draft "The Idempotency-Key HTTP Header Field": a retry after a lost answer (503,
        // timeout) with the same key is acknowledged instead of refused as a second submission.
        headers: z.object({ 'idempotency-key': storableText(200).min(8).optional() }),
        response: { 201: z.object({ status: z.literal('received') }), ...problemResponses(400, 401, 409, 410, 429) },
      },
    },
    async (request, reply) => {
      await submitAndRelease(
        app,
        request,
        sessionTokenOf(request),
        request.body.answers,
        request.headers['idempotency-key'],
      );
      reply.clearCookie(SURVEY_COOKIE, cookie);
      return reply.code(201).send({ status: 'received' as const });
    },
  );
};

/**
 * Stores the answers (submitAnswers), then releases a batch if one is due; a release refreshes
 * the survey's cached reports in the background. Shared by the API and the HTML form.
 */
export async function submitAndRelease(
  app: FastifyInstance,
  request: FastifyRequest,
  sessionToken: string | undefined,
  answers: unknown,
  idempotencyKey: string | undefined,
  loaded?: SubmitContext,
): Promise<void> {
  const { release, orgId, surveyId } = await submitAnswers(
    app.db,
    app.keys,
    sessionToken,
    answers,
    app.config.releaseBatchSize,
    idempotencyKey,
    loaded,
  );
  // The answers are committed; a failed release is retried by the next submit or the close.
  const released = await release.catch((err: unknown) => void request.log.warn({ err }, 'release postponed'));
  if (released?.released) app.reportChanges.surveyChanged(orgId, surveyId);
}
