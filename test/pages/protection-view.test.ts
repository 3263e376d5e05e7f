import { describe, expect, it } from 'vitest';
import { protectionPage } from '../../src/pages/protection.ts';
import type { WaveProtection } from '../../src/protection/service.ts';
import { UI_LANGUAGES } from '../../src/pages/i18n.ts';

/** The page's rendering alone, for what a test wave cannot easily reach (contested submits at close). */
const protection = (overrides: Partial<WaveProtection> = {}): WaveProtection => ({
  title: { en: 'Pulse' },
  defaultLanguage: 'en',
  wave: { number: 2, status: 'closed', openedOn: '2026-11-20', closedOn: '2026-11-27' },
  surveyOpenedOn: '2026-11-13',
  k: 5,
  earlierK: [],
  commentK: 5,
  dimensions: [],
  pairs: [],
  smallestGroupOf: 'wave',
  smallestGroup: { invited: 1234, heldByHr: 0, table: [] },
  changes: [],
  caveats: {
    poolCodes: 0,
    hrHeldLinks: 0,
    rosterAdditions: 0,
    revokedInvitations: 0,
    contestedAtLeast: null,
    heldAnswersAtLeast: null,
  },
  ...overrides,
});
const render = (p: WaveProtection, lang: (typeof UI_LANGUAGES)[number] = 'en') =>
  protectionPage(lang, p, 'Pulse').value;

describe('the protection page, rendered', () => {
  it('P10 shows submits that found their invitation used as the reports do: from k, at close', () => {
    const contested = (contestedAtLeast: number | null, status: 'open' | 'closed' = 'closed') =>
      /data-contested>\s*([^<]*?)\s*</.exec(
        render(
          protection({
            wave: { ...protection().wave, status },
            caveats: { ...protection().caveats, contestedAtLeast },
          }),
        ),
      )?.[1];
    expect(contested(10)).toContain('At least 10 sends');
    expect(contested(null)).toBe('Fewer than 5 sends found their invitation already used.');
    expect(contested(null, 'open')).toBe('Counted when this wave closes.');
  });

  it('P10 with no reportable dimension, the smallest group is everyone, in every language', () => {
    for (const lang of UI_LANGUAGES) expect(render(protection(), lang)).toMatch(/data-smallest>1[,\s  ]?234</);
    expect(render(protection())).toContain('only the total is reported');
    expect(render(protection())).toContain('(everyone) has 1,234 people invited');
    expect(render(protection(), 'pl')).toContain('liczy 1234 zaproszone osoby');
  });

  it('P10 uses Polish plural forms', () => {
    const changes = (count: number) =>
      render(protection({ changes: [{ day: '2026-11-20', kind: 'code-pool', events: 1, count }] }), 'pl');
    expect(changes(1)).toContain('1 kod<');
    expect(changes(3)).toContain('3 kody<');
    expect(changes(5)).toContain('5 kodów<');
    expect(changes(22)).toContain('22 kody<');
  });
});
