import { attributeOf } from '../roster/attributes.ts';
import type { SurveyDefinition } from '../surveys/questions.ts';

/**
 * The roster attribute naming a participant's language (issue 14): a declared dimension that can
 * never be reportable (src/roster/schemas.ts), so it chooses a mail's language and nothing else.
 */
export const READER_LANGUAGE_ATTRIBUTE = 'language';

/** "ko", "KO", "ko-KR", "ko_KR" all read as ko; anything else as no preference. */
function languageCode(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const primary = value.trim().toLowerCase().split(/[-_]/)[0];
  return primary && /^[a-z]{2,3}$/.test(primary) ? primary : undefined;
}

/**
 * The language one participant reads a survey's mail and pages in: their roster `language`,
 * else the organization's default language; when the survey is not offered in that language,
 * the survey's default language.
 */
export function readerLanguage(
  definition: Pick<SurveyDefinition, 'languages' | 'defaultLanguage'>,
  attributes: Readonly<Record<string, unknown>> | null | undefined,
  organizationDefault: string | null | undefined,
): string {
  const wanted =
    languageCode(attributes ? attributeOf(attributes, READER_LANGUAGE_ATTRIBUTE) : undefined) ??
    languageCode(organizationDefault);
  return wanted && definition.languages.includes(wanted) ? wanted : definition.defaultLanguage;
}
