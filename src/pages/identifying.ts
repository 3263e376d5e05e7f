/**
 * Generic signals that a comment may identify its writer (the roster's names are deliberately not
 * available to this page). The employee is warned and decides; nothing is blocked.
 */
export type Signal = 'email' | 'phone' | 'name' | 'employeeId';

const PATTERNS: Array<[Signal, RegExp]> = [
  ['email', /[^\s@]+@[^\s@]+\.[^\s@]{2,}/u],
  ['phone', /(?:\+?\d[\d\s().-]{7,}\d)/u],
  ['name', /\b(?:my|our)\s+(?:manager|boss|supervisor|team\s*lead(?:er)?|lead)\s+\p{Lu}\p{L}+/u],
  ['name', /(?:우리|제|저희)\s*(?:팀장|매니저|부장|과장|상사)(?:님)?\s*[가-힣]{2,4}/u],
  [
    'name',
    /\b(?:mój|moja|nasz|nasza)\s+(?:kierownik|kierowniczka|szef|szefowa|przełożony|przełożona|lider|liderka)\s+\p{Lu}\p{L}+/iu,
  ],
  ['employeeId', /\b[A-Z]{1,3}-?\d{5,8}\b/u],
];

export function identifyingSignals(text: string): Signal[] {
  return [...new Set(PATTERNS.filter(([, re]) => re.test(text)).map(([signal]) => signal))];
}
