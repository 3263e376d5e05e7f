import { describe, expect, it } from 'vitest';
import { people, plural } from '../../src/pages/plural.ts';
import { STRINGS } from '../../src/pages/i18n.ts';
import { composeMail } from '../../src/delivery/templates.ts';
import { TEMPLATES } from '../../src/surveys/templates.ts';

// Issue 14: counts follow each language's grammar, through Intl.PluralRules.
describe('plural forms', () => {
  it('when Polish counts people, then 1 osoba, 2–4 osoby, 5–21 osób, 22–24 osoby, and 12–14, 25, 101 osób', () => {
    const expected: Record<number, string> = {
      1: '1 osoba',
      2: '2 osoby',
      3: '3 osoby',
      4: '4 osoby',
      5: '5 osób',
      12: '12 osób',
      22: '22 osoby',
      25: '25 osób',
      101: '101 osób',
      102: '102 osoby',
    };
    for (const [n, text] of Object.entries(expected)) expect(people('pl', Number(n))).toBe(text);
  });

  it('when Polish counts people after "co najmniej" (accusative), then only the singular differs: 1 osobę', () => {
    expect([1, 2, 5, 22, 25].map((n) => people('pl', n, 'accusative'))).toEqual([
      '1 osobę',
      '2 osoby',
      '5 osób',
      '22 osoby',
      '25 osób',
    ]);
  });

  it('when English counts, then 1 person and 3 people; Korean has no plural', () => {
    expect([people('en', 1), people('en', 3)]).toEqual(['1 person', '3 people']);
    expect([people('ko', 1), people('ko', 3), people('ko', 22)]).toEqual(['1명', '3명', '22명']);
  });

  it('when a form lacks the rule a language picks, then "other" is used', () => {
    expect(plural('pl', 5, { other: '# x' })).toBe('5 x');
  });

  /** Polish grammar written out independently of CLDR. */
  const polishPeople = (n: number) =>
    n === 1 ? 'osobę' : n % 10 >= 2 && n % 10 <= 4 && !(n % 100 >= 12 && n % 100 <= 14) ? 'osoby' : 'osób';

  it('when the Polish page and mail state any k, then the count is declined correctly everywhere', () => {
    const definition = TEMPLATES.find((t) => t.key === 'pulse')!.definition;
    for (let k = 3; k <= 130; k++) {
      const phrase = `co najmniej ${k} ${polishPeople(k)}`;
      for (const line of STRINGS.pl.promise(k).slice(1, 3)) expect(line).toContain(phrase);
      expect(STRINGS.pl.promiseSummary(k)).toContain(phrase);
      const mail = composeMail('invitation', definition, k, 'a@b.pl', 'https://q.test/s/qi_x', 'code', {
        organizationName: 'Acme',
        language: 'pl',
      });
      expect(mail.message.text).toContain(phrase);
    }
    expect(STRINGS.pl.promiseSummary(3)).toContain('co najmniej 3 osoby');
    expect(STRINGS.pl.promiseSummary(22)).toContain('co najmniej 22 osoby');
    expect(STRINGS.pl.promiseSummary(5)).toContain('co najmniej 5 osób');
  });

  it('when the English page states k, then it says people, never "1 people"', () => {
    expect(STRINGS.en.promise(3)[1]).toContain('at least 3 people');
    expect(STRINGS.en.promiseSummary(5)).toBe('HR sees only groups of at least 5 people.');
  });
});
