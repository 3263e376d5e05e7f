import { z } from 'zod';

/**
 * Text PostgreSQL can store: no NUL (text and jsonb reject it, 22021/22P05) and no lone surrogate
 * half (it has no UTF-8 form; jsonb rejects its escape). Under the `u` flag a surrogate pair is one
 * code point outside the class, so emoji and other astral characters pass. Refusing them at the
 * edge turns would-be 500s into clear 400s, and keeps the value out of PostgreSQL's own error log.
 */
// eslint-disable-next-line no-control-regex -- NUL is exactly the character refused
const STORABLE = /^[^\u0000\uD800-\uDFFF]*$/u;
const NOT_STORABLE = 'contains a NUL character or invalid Unicode';

export function isStorable(value: string): boolean {
  return STORABLE.test(value);
}

/**
 * The one rule for every request string that can reach the database: body fields, record keys,
 * query and path parameters. A regex check rather than a refinement, so the OpenAPI document
 * states it as `pattern` next to the `maxLength` every request string must declare.
 */
export const storableText = (max: number) => z.string().max(max).regex(STORABLE, NOT_STORABLE);

/** PostgreSQL's answers to text it cannot take: the safety net behind storableText (plugins/problems.ts). */
export const UNSTORABLE_TEXT_ERRORS = new Set([
  '22021', // character_not_in_repertoire: a NUL in text
  '22P05', // untranslatable_character: a NUL or lone surrogate escape in jsonb
  '22P02', // invalid_text_representation: text that is not a valid value of its column type
]);
