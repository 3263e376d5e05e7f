import type { UiLanguage } from '../../pages/i18n.ts';

/**
 * The import's reasons (roster/rows.ts, roster/csv.ts) in the reader's language. The service keeps
 * one English text per reason, as the API reports it; a reason not known here (the CSV parser's
 * own) is shown as it is.
 */
type Reason = { pattern: RegExp; text: Record<UiLanguage, (n: string) => string> };

const REASONS: Reason[] = [
  {
    pattern: /^is required$/,
    text: { en: () => 'is required', ko: () => '필수 항목입니다', pl: () => 'jest wymagane' },
  },
  {
    pattern: /^must be text$/,
    text: { en: () => 'must be text', ko: () => '텍스트여야 합니다', pl: () => 'musi być tekstem' },
  },
  {
    pattern: /^is longer than (\d+) characters$/,
    text: {
      en: (n) => `is longer than ${n} characters`,
      ko: (n) => `${n}자보다 깁니다`,
      pl: (n) => `jest dłuższe niż ${n} znaków`,
    },
  },
  {
    pattern: /^contains a NUL character or invalid Unicode$/,
    text: {
      en: () => 'contains a NUL character or invalid Unicode',
      ko: () => 'NUL 문자나 잘못된 유니코드가 있습니다',
      pl: () => 'zawiera znak NUL lub niepoprawny Unicode',
    },
  },
  {
    pattern: /^is not an e-mail address$/,
    text: {
      en: () => 'is not an e-mail address',
      ko: () => '이메일 주소가 아닙니다',
      pl: () => 'to nie jest adres e-mail',
    },
  },
  {
    pattern: /^is not a declared attribute dimension/,
    text: {
      en: () => 'is not a declared dimension (see Dimensions and pairs)',
      ko: () => '선언된 속성이 아닙니다 (속성과 조합 참고)',
      pl: () => 'nie jest zadeklarowanym wymiarem (zob. Wymiary i pary)',
    },
  },
  {
    pattern: /^duplicates row (\d+)$/,
    text: { en: (n) => `duplicates row ${n}`, ko: (n) => `${n}행과 중복됩니다`, pl: (n) => `powtarza wiersz ${n}` },
  },
  {
    pattern: /^a sync needs at least one row$/,
    text: {
      en: () => 'a sync needs at least one row (with none, everyone would be deactivated)',
      ko: () => '동기화에는 행이 하나 이상 필요합니다 (없으면 모든 사람이 비활성화됩니다)',
      pl: () => 'synchronizacja wymaga co najmniej jednego wiersza (bez wierszy wszyscy zostaliby dezaktywowani)',
    },
  },
  {
    pattern: /^column is missing$/,
    text: { en: () => 'column is missing', ko: () => '열이 없습니다', pl: () => 'brakuje kolumny' },
  },
  {
    pattern: /^a column appears twice$/,
    text: {
      en: () => 'a column appears twice',
      ko: () => '같은 열이 두 번 있습니다',
      pl: () => 'kolumna występuje dwa razy',
    },
  },
  {
    pattern: /^the file is empty$/,
    text: { en: () => 'the file is empty', ko: () => '파일이 비어 있습니다', pl: () => 'plik jest pusty' },
  },
];

export function reasonText(lang: UiLanguage, reason: string): string {
  for (const { pattern, text } of REASONS) {
    const match = pattern.exec(reason);
    if (match) return text[lang](match[1] ?? '');
  }
  return reason;
}
