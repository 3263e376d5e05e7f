import { QUESTION_TYPES, type Question, type SurveyDefinition } from '../../surveys/questions.ts';
import type { SurveyRow } from './detail-view.ts';

/** One question as the edit form holds it: every value as typed. */
export interface EditorQuestion {
  id: string;
  type: string;
  required: boolean;
  theme: string;
  maxLength: string;
  text: Record<string, string>;
  /** Per language, one option per line; line n is the same option in every language. */
  options: Record<string, string>;
  optionIds: string;
}

export interface EditorState {
  title: Record<string, string>;
  questions: EditorQuestion[];
  audience: Record<string, string>;
  schedule: string;
  delivery: string;
  reminderAfterDays: string;
  minGroupSize: string;
}

const MAX_QUESTIONS = 100;
const isChoice = (type: string) => type === 'single_choice' || type === 'multi_choice';

export function editorOfSurvey(survey: SurveyRow & { audience: { filter: Record<string, string[]> } }): EditorState {
  const d = survey.definition;
  return {
    title: { ...d.title },
    questions: d.questions.map((q) => {
      const options = q.type === 'single_choice' || q.type === 'multi_choice' ? q.options : [];
      return {
        id: q.id,
        type: q.type,
        required: q.required,
        theme: q.theme ?? '',
        maxLength: q.type === 'text' ? String(q.maxLength) : '',
        text: { ...q.text },
        options: isChoice(q.type)
          ? Object.fromEntries(d.languages.map((l) => [l, options.map((o) => o.text[l] ?? '').join('\n')]))
          : {},
        optionIds: options.map((o) => o.id).join(','),
      };
    }),
    audience: Object.fromEntries(Object.entries(survey.audience.filter).map(([k, v]) => [k, v.join(', ')])),
    schedule: survey.schedule ?? 'none',
    delivery: survey.delivery,
    reminderAfterDays: survey.reminder_after_days === null ? '' : String(survey.reminder_after_days),
    minGroupSize: String(survey.min_group_size),
  };
}

/** The posted form back into the editor's state (nothing is trusted: the API's schema judges it later). */
export function editorOfForm(form: Record<string, string>, languages: string[], dimensions: string[]): EditorState {
  const questions: EditorQuestion[] = [];
  for (let i = 0; i < MAX_QUESTIONS && form[`q.${i}.id`] !== undefined; i++) {
    const f = (name: string) => form[`q.${i}.${name}`] ?? '';
    questions.push({
      id: f('id'),
      type: f('type'),
      required: f('required') === 'yes',
      theme: f('theme'),
      maxLength: f('maxLength'),
      text: Object.fromEntries(languages.map((l) => [l, f(`text.${l}`)])),
      options: Object.fromEntries(languages.map((l) => [l, f(`options.${l}`)])),
      optionIds: f('optionIds'),
    });
  }
  return {
    title: Object.fromEntries(languages.map((l) => [l, form[`title.${l}`] ?? ''])),
    questions,
    audience: Object.fromEntries(dimensions.map((d) => [d, form[`audience.${d}`] ?? ''])),
    schedule: form.schedule ?? '',
    delivery: form.delivery ?? '',
    reminderAfterDays: form.reminderAfterDays ?? '',
    minGroupSize: form.minGroupSize ?? '',
  };
}

/** add, remove:i, up:i, down:i: the structure changes in the form only, until Save. */
export function applyStructural(state: EditorState, action: string): EditorState | null {
  const questions = [...state.questions];
  const [verb, index] = action.split(':');
  const i = Number(index);
  if (verb === 'add') {
    if (questions.length >= MAX_QUESTIONS) return state;
    const used = new Set(questions.map((q) => q.id));
    let n = questions.length + 1;
    while (used.has(`q${n}`)) n++;
    questions.push({
      id: `q${n}`,
      type: 'likert5',
      required: true,
      theme: '',
      maxLength: '',
      text: {},
      options: {},
      optionIds: '',
    });
  } else if (!Number.isInteger(i) || i < 0 || i >= questions.length) return null;
  else if (verb === 'remove') questions.splice(i, 1);
  else if (verb === 'up' && i > 0) [questions[i - 1], questions[i]] = [questions[i]!, questions[i - 1]!];
  else if (verb === 'down' && i < questions.length - 1)
    [questions[i + 1], questions[i]] = [questions[i]!, questions[i + 1]!];
  else if (verb !== 'up' && verb !== 'down') return null;
  return { ...state, questions };
}

const filled = (texts: Record<string, string>) =>
  Object.fromEntries(Object.entries(texts).filter(([, v]) => v.trim() !== ''));

const lines = (text: string | undefined) => (text ?? '').split(/\r?\n/).map((l) => l.trim());

function optionsOf(q: EditorQuestion, languages: string[]) {
  const perLanguage = Object.fromEntries(languages.map((l) => [l, lines(q.options[l])]));
  const count = Math.max(
    0,
    ...languages.map((l) => (perLanguage[l]!.filter(Boolean).length ? perLanguage[l]!.length : 0)),
  );
  const ids = q.optionIds ? q.optionIds.split(',') : [];
  const used = new Set(ids);
  let n = 1;
  return Array.from({ length: count }, (_, j) => {
    let id = ids[j];
    if (!id) {
      while (used.has(`o${n}`)) n++;
      id = `o${n}`;
      used.add(id);
    }
    return { id, text: filled(Object.fromEntries(languages.map((l) => [l, perLanguage[l]![j] ?? '']))) };
  }).filter((o) => Object.keys(o.text).length > 0);
}

/** "a, b" → ["a", "b"]; the API's audience filter (OR within a dimension, AND across). */
const values = (text: string) =>
  text
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);

const numberOrText = (v: string) => (v.trim() === '' ? null : /^\d{1,6}$/.test(v.trim()) ? Number(v.trim()) : v);

/** The editor's state as the API's PATCH body, for updateSurveyBody to judge. */
export function bodyOfEditor(
  state: EditorState,
  definition: SurveyDefinition,
  frozen: boolean,
): Record<string, unknown> {
  const minGroupSize = numberOrText(state.minGroupSize) ?? undefined;
  if (frozen) return { minGroupSize };
  const languages = definition.languages;
  return {
    definition: {
      title: filled(state.title),
      languages,
      defaultLanguage: definition.defaultLanguage,
      questions: state.questions.map((q) => {
        const base = {
          id: q.id,
          type: q.type,
          required: q.required,
          text: filled(q.text),
          ...(q.theme.trim() ? { theme: q.theme.trim() } : {}),
        };
        if (isChoice(q.type)) return { ...base, options: optionsOf(q, languages) };
        if (q.type === 'text') return { ...base, maxLength: numberOrText(q.maxLength) ?? 2000 };
        return base;
      }) as unknown as Question[],
    },
    audience: {
      filter: Object.fromEntries(
        Object.entries(state.audience)
          .map(([k, v]) => [k, values(v)] as const)
          .filter(([, v]) => v.length > 0),
      ),
    },
    schedule: state.schedule === 'none' ? null : state.schedule,
    delivery: state.delivery,
    reminderAfterDays: numberOrText(state.reminderAfterDays),
    minGroupSize,
  };
}

/** The form field a problem of the API's schema (path) or service ("body.x.y") belongs to. */
export function fieldOfProblem(path: ReadonlyArray<PropertyKey> | string, defaultLanguage: string): string {
  const p = typeof path === 'string' ? path.replace(/^body\./, '').split('.') : path.map(String);
  if (p[0] === 'definition') {
    if (p[1] === 'title') return `title.${p[2] ?? defaultLanguage}`;
    if (p[1] === 'questions' && p[2] !== undefined && /^\d+$/.test(p[2])) {
      const q = `q.${p[2]}`;
      if (p[3] === 'text') return `${q}.text.${p[4] ?? defaultLanguage}`;
      if (p[3] === 'options') return `${q}.options.${p[6] ?? defaultLanguage}`;
      if (p[3] === 'theme' || p[3] === 'type' || p[3] === 'maxLength') return `${q}.${p[3]}`;
      return `${q}.text.${defaultLanguage}`;
    }
    return 'questions';
  }
  if (p[0] === 'audience') return p[2] ? `audience.${p[2]}` : 'audience';
  return p[0] ?? 'form';
}

export { QUESTION_TYPES };
