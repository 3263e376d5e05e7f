/**
 * Counts in the reader's language (issue 14). Every count on the employee pages and in mail goes
 * through here, so "5 osób" and "3 osoby" follow CLDR's rules (Intl.PluralRules), never `n === 1`.
 * A form holds `#` where the number goes; languages without plurals (ko) give only `other`.
 */
export type PluralForms = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };

// Constructing the Intl objects cost more than the rest of a survey page's counts together.
const formatters = new Map<string, { rules: Intl.PluralRules; number: Intl.NumberFormat }>();

function formattersOf(lang: string) {
  let found = formatters.get(lang);
  if (!found) {
    found = { rules: new Intl.PluralRules(lang), number: new Intl.NumberFormat(lang, { useGrouping: false }) };
    if (formatters.size > 100) formatters.clear();
    formatters.set(lang, found);
  }
  return found;
}

export function plural(lang: string, n: number, forms: PluralForms): string {
  const { rules, number } = formattersOf(lang);
  const form = forms[rules.select(n)] ?? forms.other;
  return form.replaceAll('#', number.format(n));
}

/**
 * "n people" as the object of "at least" in each language's sentences: Polish wants the
 * accusative there ("grupy liczące co najmniej 1 osobę / 3 osoby / 5 osób"), which differs from
 * the nominative only in the singular.
 */
const PEOPLE: Record<string, { nominative: PluralForms; accusative: PluralForms }> = {
  en: { nominative: { one: '# person', other: '# people' }, accusative: { one: '# person', other: '# people' } },
  ko: { nominative: { other: '#명' }, accusative: { other: '#명' } },
  pl: {
    nominative: { one: '# osoba', few: '# osoby', many: '# osób', other: '# osoby' },
    accusative: { one: '# osobę', few: '# osoby', many: '# osób', other: '# osoby' },
  },
};

export function people(lang: string, n: number, grammaticalCase: 'nominative' | 'accusative' = 'nominative'): string {
  return plural(lang, n, (PEOPLE[lang] ?? PEOPLE.en!)[grammaticalCase]);
}
