import { storableText } from '../db/text.ts';
import { MistypedCode, spendCodeGuess } from '../plugins/code-guessing.ts';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import formbody from '@fastify/formbody';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { isDatabaseUnavailable } from '../db/connection.ts';
import { z } from 'zod';
import { DomainError, ServiceUnavailable, TooManyRequests } from '../errors.ts';
import { orgSlugSchema } from '../auth/schemas.ts';
import type { SurveyDefinition } from '../surveys/questions.ts';
import {
  cachedAnswersSchema,
  contextForSession,
  submitContextOf,
  type SubmitContext,
  localizeSurvey,
  sessionFromCode,
  sessionFromLinkToken,
} from '../responses/service.ts';
import { SURVEY_COOKIE, submitAndRelease } from '../responses/routes.ts';
import { preferredLanguages, STRINGS, uiLanguage, type UiLanguage } from './i18n.ts';
import { identifyingSignals, type Signal } from './identifying.ts';
import {
  kioskPage,
  page,
  problemPage,
  replayPage,
  SURVEY_FORM,
  surveyPage,
  thanksPage,
  type FormState,
  type PageOptions,
} from './views.ts';
import { answeredSurveyProtection, answeredSurveyQuery, protectionRoutes, thanksPath } from './protection-routes.ts';
import { protectionLink } from './protection.ts';
import { protectionPath } from '../protection/service.ts';

const STYLESHEET = readFileSync(new URL('./quorum.css', import.meta.url), 'utf8');
// Pages load nothing but their own stylesheet: no script, no third-party asset, no inline style.
const PAGE_CSP =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

type InvitationContext = Awaited<ReturnType<typeof contextForSession>>;

const RETRY_AFTER_SECONDS = '5';

/** A database that cannot answer now (or the app draining): the reader should retry, not give up. */
const isUnavailable = (error: unknown) =>
  (error instanceof DomainError && error.status === 503) || isDatabaseUnavailable(error);

// Routes whose only input is a link token or a code: a malformed one is simply not a valid one.
const TOKEN_ROUTES = new Set(['/s/:token', '/k/:organization']);

function pageProblem(thrown: unknown, request: FastifyRequest): { status: number; code: string } {
  if (!(thrown instanceof Error)) return { status: 500, code: 'internal-error' };
  const error = thrown as FastifyError;
  if (isUnavailable(error)) return { status: 503, code: 'service-unavailable' };
  if (error instanceof DomainError) return { status: error.status, code: error.code };
  if (hasZodFastifySchemaValidationErrors(error))
    return { status: 400, code: TOKEN_ROUTES.has(request.routeOptions.url ?? '') ? 'unknown-token' : 'bad-request' };
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500)
    return { status: error.statusCode, code: 'bad-request' };
  return { status: 500, code: 'internal-error' };
}

const langQuery = z.object({ lang: storableText(20).optional() });
type Form = Record<string, string | string[] | undefined>;

const languages = (request: FastifyRequest, lang: string | undefined) =>
  preferredLanguages(request.headers['accept-language'], lang);

const withLang = (path: string, lang: string | undefined) => (lang ? `${path}?lang=${encodeURIComponent(lang)}` : path);

/** Turns form fields (q_<id>) into typed answers; what cannot be read is left for the schema to reject. */
function answersFromForm(
  definition: SurveyDefinition,
  form: Form,
): { answers: Record<string, unknown>; values: Record<string, string | string[]> } {
  const answers: Record<string, unknown> = {};
  const values: Record<string, string | string[]> = {};
  for (const q of definition.questions) {
    const raw = form[`q_${q.id}`];
    if (raw === undefined || raw === '') continue;
    values[q.id] = raw;
    const one = Array.isArray(raw) ? raw[0]! : raw;
    if (q.type === 'likert5' || q.type === 'scale0_10') answers[q.id] = /^\d+$/.test(one) ? Number(one) : one;
    else if (q.type === 'yes_no') answers[q.id] = one === 'true' ? true : one === 'false' ? false : one;
    else if (q.type === 'multi_choice') answers[q.id] = Array.isArray(raw) ? raw : [raw];
    else if (q.type === 'text') {
      if (one.trim() !== '') answers[q.id] = one;
    } else answers[q.id] = one;
  }
  return { answers, values };
}

/** The employee's side as HTML: works without JavaScript, keeps the token out of the URL (P5). */
export const pageRoutes: FastifyPluginAsyncZod = async (app) => {
  await app.register(formbody, { bodyLimit: 64 * 1024 });
  const cookie = { httpOnly: true, sameSite: 'lax', secure: app.config.cookieSecure, path: '/' } as const;

  app.addHook('onSend', async (_request, reply) => {
    if (String(reply.getHeader('content-type') ?? '').startsWith('text/html'))
      reply.header('content-security-policy', PAGE_CSP);
  });

  const render = (
    reply: FastifyReply,
    lang: UiLanguage,
    title: string,
    body: Parameters<typeof page>[2],
    path: string,
    status = 200,
    options: PageOptions = {},
  ) =>
    reply
      .code(status)
      .type('text/html; charset=utf-8')
      .send(page(lang, title, body, (l) => withLang(path, l), options) as never);

  // Errors become a page in the reader's language, with the status the API would use. Only what
  // truly says "this token is not valid" reads so: an outage must not send people away for good.
  app.setErrorHandler((error, request, reply) => {
    const lang = uiLanguage(languages(request, (request.query as { lang?: string } | undefined)?.lang));
    const { status, code } = pageProblem(error, request);
    if (status >= 500) request.log[status === 503 ? 'warn' : 'error']({ err: error }, 'page error');
    if (error instanceof TooManyRequests) reply.header('retry-after', String(error.retryAfterSeconds));
    if (status === 503) reply.header('retry-after', RETRY_AFTER_SECONDS);
    const title = status === 503 ? STRINGS[lang].unavailableTitle : STRINGS[lang].problemTitle;
    return render(reply, lang, title, problemPage(lang, code), request.url.split('?')[0]!, status);
  });

  await app.register(protectionRoutes); // P10

  app.get('/assets/quorum.css', { schema: { hide: true } }, async (_request, reply) =>
    reply
      .header('cache-control', 'public, max-age=86400')
      .type('text/css; charset=utf-8')
      .send(STYLESHEET as never),
  );

  // The link from the e-mail: exchange the token, then redirect so it leaves the address bar (P5).
  app.get(
    '/s/:token',
    {
      config: { rateLimit: { max: 30, timeWindow: '1 minute' } },
      schema: { hide: true, params: z.object({ token: storableText(200).min(1) }), querystring: langQuery },
    },
    async (request, reply) => {
      const session = await sessionFromLinkToken(app.db, app.keys, request.params.token);
      reply.setCookie(SURVEY_COOKIE, session.token, { ...cookie, expires: session.expiresAt });
      return reply.redirect(withLang('/survey', request.query.lang), 303);
    },
  );

  app.get(
    '/k/:organization',
    { schema: { hide: true, params: z.object({ organization: orgSlugSchema }), querystring: langQuery } },
    async (request, reply) => {
      const lang = uiLanguage(languages(request, request.query.lang));
      return render(
        reply,
        lang,
        STRINGS[lang].kioskTitle,
        kioskPage(lang, withLang(`/k/${request.params.organization}`, request.query.lang), undefined),
        `/k/${request.params.organization}`,
      );
    },
  );

  // The same budgets as POST /v1/respond/code: a guesser gains nothing by switching routes (P5).
  const codeGuess = spendCodeGuess(
    app,
    (request) => (request.params as { organization?: string }).organization,
    (request) => (request.body as { code?: string } | undefined)?.code,
  );
  // A typo or a spent budget answers on the kiosk page itself, with what was typed still in the
  // field and the reason beside it: nobody retypes twenty digits because of one.
  const kioskRefusal = (request: FastifyRequest, reply: FastifyReply, error: DomainError) => {
    const { organization } = request.params as { organization: string };
    const { lang: asked } = request.query as { lang?: string };
    const lang = uiLanguage(languages(request, asked));
    const typed = (request.body as { code?: string } | undefined)?.code ?? '';
    if (error instanceof TooManyRequests || error instanceof ServiceUnavailable)
      reply.header('retry-after', String(error.retryAfterSeconds));
    const path = `/k/${organization}`;
    const message = STRINGS[lang].problems[error.code] ?? STRINGS[lang].problems['unknown-token']!;
    return render(
      reply,
      lang,
      STRINGS[lang].kioskTitle,
      kioskPage(lang, withLang(path, asked), message, typed),
      path,
      error.status,
    );
  };
  app.post(
    '/k/:organization',
    {
      config: { rateLimit: { max: 60, timeWindow: '1 minute' } },
      preHandler: async function (request, reply) {
        try {
          await codeGuess.call(this, request, reply);
        } catch (error) {
          // A budget PostgreSQL could not count refuses the try (503), on the page too.
          if (error instanceof MistypedCode || error instanceof TooManyRequests || error instanceof ServiceUnavailable)
            return kioskRefusal(request, reply, error);
          throw error;
        }
      },
      schema: {
        hide: true,
        params: z.object({ organization: orgSlugSchema }),
        querystring: langQuery,
        body: z.object({ code: storableText(200).default('') }),
      },
    },
    async (request, reply) => {
      const lang = uiLanguage(languages(request, request.query.lang));
      const path = `/k/${request.params.organization}`;
      try {
        const session = await sessionFromCode(app.db, app.keys, request.params.organization, request.body.code);
        reply.setCookie(SURVEY_COOKIE, session.token, { ...cookie, expires: session.expiresAt });
        return reply.redirect(withLang('/survey', request.query.lang), 303);
      } catch (error) {
        if (isUnavailable(error)) {
          // The code was never checked: keep it in the field so "Start" tries it again.
          reply.header('retry-after', RETRY_AFTER_SECONDS);
          const message = STRINGS[lang].problems['service-unavailable'];
          return render(
            reply,
            lang,
            STRINGS[lang].kioskTitle,
            kioskPage(lang, withLang(path, request.query.lang), message, request.body.code),
            path,
            503,
          );
        }
        if (!(error instanceof DomainError)) throw error;
        return kioskRefusal(request, reply, error);
      }
    },
  );

  // P10's link, from the organization the session's statement already read.
  const protectionOf = (ctx: Pick<InvitationContext, 'orgSlug' | 'surveyId'>) =>
    protectionPath(ctx.orgSlug, ctx.surveyId);

  const showSurvey = async (
    request: FastifyRequest,
    reply: FastifyReply,
    lang: string | undefined,
    state: FormState,
    status = 200,
    loaded?: InvitationContext,
  ) => {
    const ctx = loaded ?? (await contextForSession(app.db, app.keys, request.cookies[SURVEY_COOKIE], app.openWaves));
    const preferred = languages(request, lang);
    const survey = localizeSurvey(ctx, preferred);
    const ui = uiLanguage([survey.language, ...preferred]);
    const protection = protectionLink(ui, withLang(protectionOf(ctx), lang));
    const { organizationName } = ctx;
    return render(
      reply,
      ui,
      survey.title,
      surveyPage(ui, survey, withLang('/survey', lang), state, protection),
      '/survey',
      status,
      {
        organization: organizationName,
        switchForm: { id: SURVEY_FORM, action: (l) => withLang('/survey/language', l) },
      },
    );
  };

  // The survey form's posts (send, switch language): rate-limited, answers as strings or lists.
  const formRoute = {
    config: { rateLimit: { max: 30, timeWindow: '1 minute' } },
    schema: {
      hide: true,
      querystring: langQuery,
      body: z.record(storableText(40), z.union([storableText(5000), z.array(storableText(40)).max(30)])),
    },
  };

  // The language buttons post the form here (issue 14): the page comes back in the chosen language
  // with every answer as it was. Nothing is validated, sent or stored: the answers exist only in
  // this request and the page it returns, never on the server (P1).
  app.post('/survey/language', formRoute, async (request, reply) => {
    const ctx = await contextForSession(app.db, app.keys, request.cookies[SURVEY_COOKIE], app.openWaves);
    const { values } = answersFromForm(ctx.definition, request.body);
    const submission = submissionOf(request.body) ?? randomBytes(16).toString('base64url');
    return showSurvey(
      request,
      reply,
      request.query.lang,
      // A choice to send identifying comments as they are is not carried: sending checks them again.
      { values, errors: {}, warnings: {}, submission },
      200,
      ctx,
    );
  });

  app.get('/survey', { schema: { hide: true, querystring: langQuery } }, async (request, reply) =>
    showSurvey(request, reply, request.query.lang, {
      values: {},
      errors: {},
      warnings: {},
      submission: randomBytes(16).toString('base64url'),
    }),
  );

  app.post('/survey', formRoute, async (request, reply) => {
    // The database cannot answer: every posted field comes back in a form that sends them again.
    const replay = () => {
      const lang = uiLanguage(languages(request, request.query.lang));
      reply.header('retry-after', RETRY_AFTER_SECONDS);
      return render(
        reply,
        lang,
        STRINGS[lang].unavailableTitle,
        replayPage(lang, withLang('/survey', request.query.lang), request.body as Record<string, string | string[]>),
        '/survey',
        503,
      );
    };
    let ctx: SubmitContext;
    try {
      // Spent or not is decided by the write itself, which also acknowledges a resend with the
      // same Idempotency-Key whose first answer was stored but never acknowledged; it checks the
      // wave and the revocation too. A form shown again (errors, an outage) reads the session.
      ctx = await submitContextOf(app.db, app.keys, request.cookies[SURVEY_COOKIE]);
    } catch (error) {
      if (!isUnavailable(error)) throw error;
      return replay();
    }
    const lang = uiLanguage([...languages(request, request.query.lang), ctx.definition.defaultLanguage]);
    const { answers, values } = answersFromForm(ctx.definition, request.body);
    const submission = submissionOf(request.body);
    const parsed = cachedAnswersSchema(ctx.surveyId, ctx.definition).safeParse(answers);
    const errors: Record<string, string> = {};
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const id = String(issue.path[0] ?? '');
        if (id) errors[id] = !Object.hasOwn(answers, id) ? STRINGS[lang].answerRequired : STRINGS[lang].answerInvalid;
      }
    }
    const warnings: Record<string, Signal[]> = {};
    if (request.body.confirm_identifying !== 'yes') {
      for (const q of ctx.definition.questions) {
        const text = answers[q.id];
        if (q.type === 'text' && typeof text === 'string' && identifyingSignals(text).length)
          warnings[q.id] = identifyingSignals(text);
      }
    }
    const kept = { values, submission: submission ?? randomBytes(16).toString('base64url') };
    if (Object.keys(errors).length || Object.keys(warnings).length) {
      return showSurvey(
        request,
        reply,
        request.query.lang,
        { ...kept, errors, warnings },
        Object.keys(errors).length ? 400 : 200,
      );
    }
    try {
      await submitAndRelease(app, request, request.cookies[SURVEY_COOKIE], answers, submission, ctx);
    } catch (error) {
      if (!isUnavailable(error)) throw error;
      // Nothing was stored: the form comes back as sent, with the same Idempotency-Key, so one
      // more press of "Send" sends the very same answers (and is counted once).
      const shown = await contextForSession(app.db, app.keys, request.cookies[SURVEY_COOKIE], app.openWaves).catch(
        (readError: unknown) => {
          if (!isUnavailable(readError)) throw readError;
          return null;
        },
      );
      if (!shown) return replay();
      reply.header('retry-after', RETRY_AFTER_SECONDS);
      return showSurvey(
        request,
        reply,
        request.query.lang,
        // The comments are unchanged, so a choice to send them as they are still stands.
        {
          ...kept,
          errors: {},
          warnings: {},
          unavailable: true,
          confirmed: request.body.confirm_identifying === 'yes',
        },
        503,
        shown,
      );
    }
    reply.clearCookie(SURVEY_COOKIE, cookie);
    // The thank-you page names the survey (not the invitation) so it can link to its protection (P10).
    return reply.redirect(thanksPath(protectionOf(ctx), request.query.lang), 303);
  });

  const thanksQuery = langQuery.extend(answeredSurveyQuery.shape);
  app.get('/thanks', { schema: { hide: true, querystring: thanksQuery } }, async (request, reply) => {
    const lang = uiLanguage(languages(request, request.query.lang));
    const protection = answeredSurveyProtection(request.query, request.query.lang);
    const body = thanksPage(lang, protection ? protectionLink(lang, protection) : undefined);
    return render(reply, lang, STRINGS[lang].thanksTitle, body, '/thanks');
  });
};

/** The form's own Idempotency-Key, if it sent a well-formed one. */
function submissionOf(body: Record<string, string | string[]>): string | undefined {
  return typeof body.submission === 'string' && /^[\w-]{8,200}$/.test(body.submission) ? body.submission : undefined;
}
