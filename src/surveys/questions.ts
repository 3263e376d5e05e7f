import { z } from 'zod';
import { storableText } from '../db/text.ts';

export const QUESTION_TYPES = ['likert5', 'scale0_10', 'single_choice', 'multi_choice', 'yes_no', 'text'] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];

export const languageCode = storableText(5).regex(
  /^[a-z]{2}(-[A-Z]{2})?$/,
  'a language code such as en, ko, pl or pt-BR',
);
/** Text in several languages, e.g. { en: 'How are you?', ko: '어떠세요?' }. */
export const localized = z
  .record(languageCode, storableText(1000).pipe(z.string().trim().min(1)))
  .refine((t) => Object.keys(t).length > 0, 'at least one language');
export type Localized = z.infer<typeof localized>;

const id = storableText(40).regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'lowercase letters, digits, _ and -, up to 40');
const base = {
  id,
  text: localized,
  required: z.boolean().default(true),
  theme: storableText(60).trim().min(1).optional(),
};
const option = z.object({ id, text: localized });
const options = z
  .array(option)
  .min(2)
  .max(30)
  .refine((o) => new Set(o.map((x) => x.id)).size === o.length, 'option ids must be unique');

export const questionSchema = z.discriminatedUnion('type', [
  z.object({ ...base, type: z.literal('likert5') }),
  z.object({ ...base, type: z.literal('scale0_10') }),
  z.object({ ...base, type: z.literal('yes_no') }),
  z.object({ ...base, type: z.literal('single_choice'), options }),
  z.object({ ...base, type: z.literal('multi_choice'), options }),
  z.object({ ...base, type: z.literal('text'), maxLength: z.number().int().min(1).max(5000).default(2000) }),
]);
export type Question = z.infer<typeof questionSchema>;

export const surveyDefinitionSchema = z
  .object({
    title: localized,
    languages: z.array(languageCode).min(1).max(10),
    defaultLanguage: languageCode,
    questions: z.array(questionSchema).min(1).max(100),
  })
  .superRefine((d, ctx) => {
    if (!d.languages.includes(d.defaultLanguage))
      ctx.addIssue({ code: 'custom', path: ['defaultLanguage'], message: 'must be one of languages' });
    if (new Set(d.questions.map((q) => q.id)).size !== d.questions.length)
      ctx.addIssue({ code: 'custom', path: ['questions'], message: 'question ids must be unique' });
    // Every text must exist in the default language, so every respondent can read every question.
    const missing = (text: Localized, path: (string | number)[]) => {
      if (!(d.defaultLanguage in text))
        ctx.addIssue({ code: 'custom', path, message: `needs a ${d.defaultLanguage} text` });
    };
    missing(d.title, ['title']);
    d.questions.forEach((q, i) => {
      missing(q.text, ['questions', i, 'text']);
      if (q.type === 'single_choice' || q.type === 'multi_choice')
        q.options.forEach((o, j) => missing(o.text, ['questions', i, 'options', j, 'text']));
    });
  });
export type SurveyDefinition = z.infer<typeof surveyDefinitionSchema>;

/** Who is invited: every active participant, or those whose attributes match (OR within a dimension, AND across). */
export const audienceSchema = z.object({
  filter: z.record(storableText(40), z.array(storableText(200).min(1)).min(1).max(200)).default({}),
});
export type Audience = z.infer<typeof audienceSchema>;

export type AnswerValue = number | boolean | string | string[];
export type Answers = Record<string, AnswerValue>;

function answerSchema(q: Question): z.ZodType<AnswerValue> {
  switch (q.type) {
    case 'likert5':
      return z.number().int().min(1).max(5);
    case 'scale0_10':
      return z.number().int().min(0).max(10);
    case 'yes_no':
      return z.boolean();
    case 'single_choice':
      return z.enum(q.options.map((o) => o.id) as [string, ...string[]]);
    case 'multi_choice':
      return z
        .array(z.enum(q.options.map((o) => o.id) as [string, ...string[]]))
        .min(1)
        .max(q.options.length)
        .refine((v) => new Set(v).size === v.length, 'choose each option at most once');
    case 'text':
      return storableText(q.maxLength).pipe(z.string().trim().min(1));
  }
}

/** The zod schema of one submission for this survey: every answer checked against its question. */
export function answersSchema(definition: SurveyDefinition): z.ZodType<Answers> {
  const shape: Record<string, z.ZodType> = {};
  for (const q of definition.questions) {
    // An optional question may be skipped: omitted, null, or (for text) left blank.
    shape[q.id] = q.required
      ? answerSchema(q)
      : z.preprocess(
          (v) => (v === null || (typeof v === 'string' && v.trim() === '') ? undefined : v),
          answerSchema(q).optional(),
        );
  }
  return z.strictObject(shape) as unknown as z.ZodType<Answers>;
}
