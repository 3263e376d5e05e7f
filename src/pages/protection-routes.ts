import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { storableText } from '../db/text.ts';
import { SURVEY_COOKIE } from '../responses/routes.ts';
import { waveProtection } from '../protection/service.ts';
import { preferredLanguages, uiLanguage } from './i18n.ts';
import { PROTECTION_STRINGS, protectionNotFound, protectionPage } from './protection.ts';
import { page } from './views.ts';

const ORG_SLUG = /^[a-z0-9][a-z0-9-]{1,62}$/;

/** The thank-you page's query naming the survey just answered: no token, nothing per person. */
export const answeredSurveyQuery = z.object({
  org: storableText(200).optional(),
  survey: storableText(200).optional(),
});

/** Where the thank-you page sends the reader for the survey just answered, or nowhere. */
export function answeredSurveyProtection(query: z.infer<typeof answeredSurveyQuery>, lang: string | undefined) {
  if (!query.org || !query.survey || !ORG_SLUG.test(query.org) || !/^[0-9a-f-]{36}$/i.test(query.survey))
    return undefined;
  return `/protection/${query.org}/${query.survey}${lang ? `?lang=${encodeURIComponent(lang)}` : ''}`;
}

/** After a submit: the thank-you page, told which survey it was (the session cookie is gone by then). */
export function thanksPath(protection: string | undefined, lang: string | undefined): string {
  if (!protection) return lang ? `/thanks?lang=${encodeURIComponent(lang)}` : '/thanks';
  const [, , org, survey] = protection.split('/');
  const query = new URLSearchParams({ ...(lang ? { lang } : {}), org: org!, survey: survey! });
  return `/thanks?${query.toString()}`;
}

/**
 * SPEC P10: /protection/<organization>/<survey>. Reachable without any token, from the survey page
 * and after submitting; a survey session, if the browser still has one, picks the reader's own
 * smallest group. Never stored by a cache: what a session reader sees is theirs.
 */
export const protectionRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/protection/:organization/:survey',
    {
      // Public and reads a whole wave's invitation counts: no one may turn it into a load generator.
      config: { rateLimit: { max: 60, timeWindow: '1 minute' } },
      schema: {
        hide: true,
        params: z.object({ organization: storableText(200), survey: storableText(200) }),
        querystring: z.object({ lang: storableText(20).optional() }),
      },
    },
    async (request, reply) => {
      const { organization, survey } = request.params;
      const preferred = preferredLanguages(request.headers['accept-language'], request.query.lang);
      const lang = uiLanguage(preferred);
      const path = `/protection/${organization}/${survey}`;
      const switchHref = (l: string) => `${path}?lang=${encodeURIComponent(l)}`;
      reply.header('cache-control', 'no-store').type('text/html; charset=utf-8');
      const protection = ORG_SLUG.test(organization)
        ? await waveProtection(app.db, app.keys, organization, survey, request.cookies[SURVEY_COOKIE])
        : null;
      if (!protection)
        return reply
          .code(404)
          .send(page(lang, PROTECTION_STRINGS[lang].notFoundTitle, protectionNotFound(lang), switchHref) as never);
      const title =
        [...preferred, protection.defaultLanguage].map((l) => protection.title[l]).find((s) => s !== undefined) ??
        Object.values(protection.title)[0]!;
      return reply.send(
        page(lang, PROTECTION_STRINGS[lang].title, protectionPage(lang, protection, title), switchHref) as never,
      );
    },
  );
};
