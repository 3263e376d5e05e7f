import { randomInt } from 'node:crypto';
import * as en from './nicknames/en.ts';
import * as ko from './nicknames/ko.ts';
import * as pl from './nicknames/pl.ts';

/**
 * Nickname codes an employee types at a kiosk (SPEC P5; docs/codes.md has the reasoning and the
 * guessing arithmetic). What is typed is digits only — 19 random digits and a Damm check digit,
 * printed in four groups of five — because digits are the one thing every phone keyboard (ko, pl,
 * en) types without switching layouts, without an IME composing syllables, and without autocorrect
 * "fixing" a word; `inputmode="numeric"` gives the big keypad. Beside the digits the card shows a
 * nickname in the employee's language ("조용한 왜가리", "cicha czapla", "quiet heron"), read from
 * the first three digits: something to say aloud and to recognise one's card by.
 */
export const CODE_DATA_DIGITS = 19;
export const CODE_DIGITS = CODE_DATA_DIGITS + 1;
const GROUP = 5;

/**
 * The two other numbers the guessing arithmetic needs (docs/codes.md): N, the most valid codes
 * one organization can have in a wave, and how long a code is accepted after its wave opens (the
 * link keeps working until the wave closes; a code, being guessable, does not outlive its budget).
 */
export const MAX_INVITATIONS_PER_WAVE = 250_000;
export const CODE_LIFETIME_DAYS = 31;

/** How many different valid codes the generator can produce: the S of docs/codes.md. */
export const CODE_SPACE = 10n ** BigInt(CODE_DATA_DIGITS);

// Damm's quasigroup of order 10 (H. M. Damm, 2004): one check digit that catches every single
// wrong digit and every swap of two neighbouring digits.
const DAMM = [
  [0, 3, 1, 7, 5, 9, 8, 6, 4, 2],
  [7, 0, 9, 2, 1, 5, 4, 8, 6, 3],
  [4, 2, 0, 6, 8, 7, 1, 3, 5, 9],
  [1, 7, 5, 0, 9, 8, 3, 4, 2, 6],
  [6, 1, 2, 3, 0, 4, 5, 9, 7, 8],
  [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
  [5, 8, 6, 9, 7, 2, 0, 1, 3, 4],
  [8, 9, 4, 5, 3, 6, 2, 0, 1, 7],
  [9, 4, 3, 8, 6, 1, 7, 2, 0, 5],
  [2, 5, 8, 1, 4, 3, 6, 7, 9, 0],
];

/** The Damm check digit of a string of digits; a string ending in its own check digit gives 0. */
export function dammDigit(digits: string): number {
  let interim = 0;
  for (const d of digits) interim = DAMM[interim]![d.charCodeAt(0) - 48]!;
  return interim;
}

/** The printed (and hashed) form: four groups of five digits, single spaces. */
const formatted = (digits: string) => digits.match(new RegExp(`.{1,${GROUP}}`, 'g'))!.join(' ');

export function newNicknameCode(): string {
  // randomInt takes ranges below 2^48: twelve digits, then seven.
  const data = String(randomInt(10 ** 12)).padStart(12, '0') + String(randomInt(10 ** 7)).padStart(7, '0');
  return formatted(data + dammDigit(data));
}

export type TypedCode =
  | { ok: true; code: string }
  /** `characters`: something other than digits and separators; `length`: not 20 digits; `check`: the check digit fails. */
  | { ok: false; wrong: 'characters' | 'length' | 'check'; digits: number };

/**
 * Reads a typed code: NFKC folds full-width digits (a Korean or Japanese keyboard's ０-９) to
 * ASCII; spaces, hyphens, dots, underscores and slashes between digits are ignored. Only a code
 * whose check digit holds is worth a lookup — and a guess from the budget.
 */
export function readTypedCode(input: string): TypedCode {
  const compact = input.normalize('NFKC').replace(/[\s\-‐-―_./]+/g, '');
  if (!/^\d*$/.test(compact)) return { ok: false, wrong: 'characters', digits: compact.replace(/\D/g, '').length };
  if (compact.length !== CODE_DIGITS) return { ok: false, wrong: 'length', digits: compact.length };
  if (dammDigit(compact) !== 0) return { ok: false, wrong: 'check', digits: compact.length };
  return { ok: true, code: formatted(compact) };
}

/** The canonical form of a typed code, or null when it cannot be one. */
export function normalizeNicknameCode(input: string): string | null {
  const typed = readTypedCode(input);
  return typed.ok ? typed.code : null;
}

export const NICKNAME_LANGUAGES = ['en', 'ko', 'pl'] as const;
export type NicknameLanguage = (typeof NICKNAME_LANGUAGES)[number];

/** 40 adjectives × 25 nouns: the first three digits (000–999) pick one of 1000 nicknames. */
export const NICKNAMES = en.ADJECTIVES.length * en.NOUNS.length;

/** The nickname a code shows beside its digits, in one language (English where there is no list). */
export function nicknameOf(code: string, language: string): string {
  const index = Number(code.replace(/\D/g, '').slice(0, 3)) % NICKNAMES;
  const adjective = Math.floor(index / en.NOUNS.length);
  const noun = index % en.NOUNS.length;
  if (language === 'ko') return `${ko.ADJECTIVES[adjective]} ${ko.NOUNS[noun]}`;
  if (language === 'pl') {
    const { word, gender } = pl.NOUNS[noun]!;
    return `${pl.ADJECTIVES[adjective]![gender]} ${word}`;
  }
  return `${en.ADJECTIVES[adjective]} ${en.NOUNS[noun]}`;
}
