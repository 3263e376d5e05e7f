import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { createSurveyRoutes } from './create.ts';
import { surveyDetailRoutes } from './detail.ts';
import { surveyEditRoutes } from './edit.ts';

/** Survey management (issue 15): create from a template, preview, edit a draft, run its waves. */
export const surveyManagementRoutes: FastifyPluginAsyncZod = async (app) => {
  await app.register(createSurveyRoutes);
  await app.register(surveyDetailRoutes);
  await app.register(surveyEditRoutes);
};
