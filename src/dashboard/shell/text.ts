import type { Localized } from '../../surveys/questions.ts';

/** A survey text in the reader's language, else the survey's default, else any it has. */
export function localText(text: Localized, lang: string, fallback?: string): string {
  return text[lang] ?? (fallback ? text[fallback] : undefined) ?? Object.values(text)[0] ?? '';
}

export function formatDate(value: Date | string, lang: string): string {
  return new Intl.DateTimeFormat(lang, { dateStyle: 'medium' }).format(new Date(value));
}
