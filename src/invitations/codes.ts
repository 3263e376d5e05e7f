import { randomInt } from 'node:crypto';
import { wordlist } from '@scure/bip39/wordlists/english.js';

/**
 * Nickname codes an employee can read aloud and type at a kiosk: five words from the BIP39 list
 * (2048 words, 11 bits each) and four digits — 55 + 13.3 = 68 bits (SPEC P5 asks for >= 64).
 * BIP39 words are unique in their first four letters, so typos after those are forgiven. The 103
 * three-letter words have no fourth letter to anchor on: a stray letter after one ("actx") is
 * read as that word, since no word begins with those four letters.
 */
export const CODE_WORDS = 5;

const byPrefix = new Map(wordlist.map((w) => [w.slice(0, 4), w]));
const threeLetterWords = new Set(wordlist.filter((w) => w.length === 3));

export function newNicknameCode(): string {
  const words = Array.from({ length: CODE_WORDS }, () => wordlist[randomInt(wordlist.length)]);
  return `${words.join('-')}-${String(randomInt(10_000)).padStart(4, '0')}`;
}

/** The canonical form of a typed code (any case, spaces or dashes, typos after 4 letters), or null. */
export function normalizeNicknameCode(input: string): string | null {
  const parts = input
    .toLowerCase()
    .normalize('NFKC')
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  if (parts.length !== CODE_WORDS + 1) return null;
  const digits = parts.pop()!;
  if (!/^\d{4}$/.test(digits)) return null;
  const words = parts.map(
    (p) => byPrefix.get(p.slice(0, 4)) ?? (threeLetterWords.has(p.slice(0, 3)) ? p.slice(0, 3) : undefined),
  );
  if (words.some((w) => w === undefined)) return null;
  return `${words.join('-')}-${digits}`;
}
