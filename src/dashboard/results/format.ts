import { html, type SafeHtml } from '../../pages/html.ts';
import type { PluralForms } from '../../pages/plural.ts';

/**
 * Every number a results page prints goes through here, as `<data value="…" data-of="…">`: the
 * machine value is the API's own number and `data-of` names where it sits in the API's JSON, so
 * the numbers test (results-numbers.test.ts) can hold each one against the API for the same reader.
 */
export type Kind = 'share' | 'index' | 'score' | 'mean' | 'count';

const formatters = new Map<string, Intl.NumberFormat>();
function formatter(lang: string, kind: Kind): Intl.NumberFormat {
  const key = `${lang}/${kind}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.NumberFormat(
      lang,
      kind === 'share'
        ? { style: 'percent', maximumFractionDigits: 1 }
        : kind === 'index'
          ? { maximumFractionDigits: 1 }
          : kind === 'score'
            ? { signDisplay: 'exceptZero', maximumFractionDigits: 0 }
            : kind === 'mean'
              ? { maximumFractionDigits: 2 }
              : { maximumFractionDigits: 0 },
    );
    formatters.set(key, f);
  }
  return f;
}

export const formatNumber = (lang: string, kind: Kind, value: number) => formatter(lang, kind).format(value);

/** One published number: its text in the reader's language, its value and its place in the API's JSON. */
export function num(lang: string, kind: Kind, value: number, of: string): SafeHtml {
  return html`<data value="${value}" data-of="${of}">${formatNumber(lang, kind, value)}</data>`;
}

/** A count inside a sentence with plural forms ("# people"), the count marked as num() marks it. */
export function pluralNum(lang: string, n: number, forms: PluralForms, of: string): SafeHtml {
  const form = forms[new Intl.PluralRules(lang).select(n)] ?? forms.other;
  const [before, after] = form.split('#');
  return html`${before}${num(lang, 'count', n, of)}${after ?? ''}`;
}
