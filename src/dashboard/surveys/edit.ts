import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { Conflict, ValidationFailed } from '../../errors.ts';
import { getOrganization } from '../../orgs/service.ts';
import { principalOf, requireRole } from '../../plugins/auth.ts';
import { listDimensions } from '../../roster/service.ts';
import { surveyParams, updateSurveyBody } from '../../surveys/schemas.ts';
import { getSurvey, updateSurvey } from '../../surveys/service.ts';
import { langOf, sendPage, seeOther } from '../shell/render.ts';
import { localText } from '../shell/text.ts';
import { editPage } from './edit-view.ts';
import { applyStructural, bodyOfEditor, editorOfForm, editorOfSurvey, fieldOfProblem } from './editor.ts';
import { formOf } from '../shell/forms.ts';
import { SURVEYS } from './strings.ts';

/**
 * Editing a draft without JavaScript: add, remove and move buttons post the whole form and come
 * back with the structure changed (nothing saved yet); Save sends it through the API's own schema
 * (updateSurveyBody) and service (updateSurvey). Once opened, only k can be raised (P2).
 */
export const surveyEditRoutes: FastifyPluginAsyncZod = async (app) => {
  const manage = requireRole({ role: 'admin' });
  const emailEnabled = () => app.config.smtpUrl !== null;

  async function context(orgId: string, id: string) {
    const survey = await getSurvey(app.db, orgId, id);
    const dimensions = (await listDimensions(app.db, orgId)).map((d) => ({ key: d.key, label: d.label ?? d.key }));
    const orgK = (await getOrganization(app.db, orgId)).min_group_size;
    return { survey, dimensions, orgK };
  }

  app.get(
    '/surveys/:id/edit',
    { onRequest: manage, schema: { hide: true, params: surveyParams } },
    async (request, reply) => {
      const lang = langOf(request);
      const t = SURVEYS[lang];
      const { survey, dimensions, orgK } = await context(principalOf(request).orgId, request.params.id);
      return sendPage(request, reply, {
        title: t.editTitle(localText(survey.definition.title, lang, survey.definition.defaultLanguage)),
        section: 'surveys',
        body: editPage({
          t,
          lang,
          survey,
          state: editorOfSurvey(survey),
          errors: {},
          dimensions,
          emailEnabled: emailEnabled(),
          orgK,
        }),
      });
    },
  );

  app.post(
    '/surveys/:id/edit',
    { onRequest: manage, schema: { hide: true, params: surveyParams } },
    async (request, reply) => {
      const lang = langOf(request);
      const t = SURVEYS[lang];
      const { orgId } = principalOf(request);
      const id = request.params.id;
      const { survey, dimensions, orgK } = await context(orgId, id);
      const frozen = survey.status !== 'draft';
      const definition = survey.definition;
      const form = formOf(request.body);
      let state = frozen
        ? { ...editorOfSurvey(survey), minGroupSize: form.minGroupSize ?? '' }
        : editorOfForm(
            form,
            definition.languages,
            dimensions.map((d) => d.key),
          );
      const action = form.action ?? 'save';
      const show = (errors: Record<string, string>, status: number, unsaved = false) =>
        sendPage(request, reply, {
          title: t.editTitle(localText(definition.title, lang, definition.defaultLanguage)),
          section: 'surveys',
          status,
          body: editPage({ t, lang, survey, state, errors, dimensions, emailEnabled: emailEnabled(), orgK, unsaved }),
        });

      if (action !== 'save') {
        const changed = frozen ? null : applyStructural(state, action);
        if (!changed) return show({ form: t.invalid }, 400);
        state = changed;
        return show({}, 200, true);
      }

      const errors: Record<string, string> = {};
      const parsed = updateSurveyBody.safeParse(bodyOfEditor(state, definition, frozen));
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          const field = fieldOfProblem(issue.path, definition.defaultLanguage);
          errors[field] ??=
            field === 'minGroupSize' ? t.between(frozen ? survey.min_group_size : orgK, 1000) : t.invalid;
        }
      } else if (!frozen && parsed.data.delivery === 'email' && !emailEnabled() && survey.delivery !== 'email')
        errors.delivery = t.emailUnavailable;
      if (!parsed.success || Object.keys(errors).length > 0) return show(errors, 400);
      try {
        await updateSurvey(app.db, orgId, id, parsed.data);
      } catch (error) {
        if (error instanceof ValidationFailed) {
          for (const problem of (error.extra.errors ?? []) as Array<{ field: string }>) {
            const field = fieldOfProblem(problem.field, definition.defaultLanguage);
            errors[field] = field === 'minGroupSize' ? t.tooLow(frozen ? survey.min_group_size : orgK) : t.invalid;
          }
          return show(errors, 400);
        }
        if (error instanceof Conflict) return show({ form: t.problems[error.code] ?? t.invalid }, 409);
        throw error;
      }
      return seeOther(reply, `/hr/surveys/${id}?done=saved`);
    },
  );
};
