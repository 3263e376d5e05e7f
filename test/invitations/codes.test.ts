import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { CODE_WORDS, normalizeNicknameCode } from '../../src/invitations/codes.ts';

const codeArb = fc.record({
  words: fc.array(fc.constantFrom(...wordlist), { minLength: CODE_WORDS, maxLength: CODE_WORDS }),
  digits: fc.integer({ min: 0, max: 9999 }).map((n) => String(n).padStart(4, '0')),
});
const separatorArb = fc.constantFrom('-', ' ', '  ', ' - ', '_', '.', '\t');
const letterArb = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz');
// "sun" + "n" spells the start of "sunny": that stray letter cannot be forgiven, and is not generated.
const spellsAnotherWord = (typed: string) => typed.length === 4 && wordlist.some((w) => w.startsWith(typed));

describe('typed nickname codes (P5)', () => {
  it('when a code is typed with any case, separators and stray letters after its anchor, then it reads back as itself', () => {
    fc.assert(
      fc.property(
        codeArb,
        fc.array(separatorArb, { minLength: CODE_WORDS, maxLength: CODE_WORDS }),
        fc.array(fc.tuple(fc.boolean(), fc.boolean(), letterArb), { minLength: CODE_WORDS, maxLength: CODE_WORDS }),
        ({ words, digits }, seps, edits) => {
          const canonical = `${words.join('-')}-${digits}`;
          const typed = words.map((w, i) => {
            const [upper, typo, letter] = edits[i]!;
            // A typo changes or adds letters only after the anchor: four letters, or the whole of a three-letter word.
            const anchor = Math.min(4, w.length);
            const misspelled = w.slice(0, anchor) + (w.length > anchor ? letter + w.slice(anchor + 1) : letter);
            const spelled = typo && !(w.length === 3 && spellsAnotherWord(misspelled)) ? misspelled : w;
            return (upper ? spelled.toUpperCase() : spelled) + seps[i];
          });
          expect(normalizeNicknameCode(typed.join('') + digits)).toBe(canonical);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('when a three-letter word is followed by a stray letter, then the word is still recognised (act + x)', () => {
    expect(normalizeNicknameCode('ACTX add age aim air 0042')).toBe('act-add-age-aim-air-0042');
    expect(normalizeNicknameCode('acti add age aim air 0042')).toBe('action-add-age-aim-air-0042');
    expect(normalizeNicknameCode('sunn add age aim air 0042')).toBe('sunny-add-age-aim-air-0042');
  });

  it('when a word, the digits or the word count is wrong, then it is not a code', () => {
    for (const typed of [
      'ac add age aim air 0042',
      'zzzz add age aim air 0042',
      'act add age aim air 042',
      'act add age aim 0042',
      'act add age aim air air 0042',
      '',
    ]) {
      expect(normalizeNicknameCode(typed), typed).toBeNull();
    }
  });
});
