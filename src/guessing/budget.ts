/**
 * SPEC P5: nickname codes are guessable in principle, so every way of trying one (the JSON API,
 * the kiosk form, any route added later) spends from the same budgets: per client, per
 * organization, and one global budget over all organizations. The guessing arithmetic in
 * docs/codes.md (and test/invitations/guessing.test.ts) rests on these numbers.
 */
export const CODE_GUESS_LIMITS = { perClient: 20, perOrganization: 300, global: 600, windowSeconds: 60 } as const;

export type CodeGuessLimits = { perClient: number; perOrganization: number; global: number; windowSeconds: number };

export type Spent = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Where tries are counted: shared through PostgreSQL by the app (shared-budget.ts), in memory for unit tests. */
export interface CodeGuessBudget {
  /** Counts one try for this client, this organization and globally, refusing it once any budget is spent. */
  spend(client: string, organization: string): Promise<Spent>;
}

/**
 * Counts per key in this process's memory. A window per key, opened by its first try: a key's
 * count never resets in the middle of its own burst (windows aligned to the clock did, letting a
 * burst that straddled a minute boundary run to twice the budget). Back-to-back windows still
 * bound tries to the limit per window. Keys whose window has ended are dropped once many have
 * piled up, so memory stays bounded.
 */
export function inMemoryWindows(windowSeconds: number, now: () => number = Date.now) {
  const windowMs = windowSeconds * 1000;
  const windows = new Map<string, { start: number; tries: number }>();
  return {
    /** Counts a try; null when it is within the limit, else the refusal. */
    spend(key: string, limit: number): Spent | null {
      const at = now();
      if (windows.size > MAX_KEYS) for (const [k, w] of windows) if (at - w.start >= windowMs) windows.delete(k);
      let window = windows.get(key);
      if (!window || at - window.start >= windowMs) windows.set(key, (window = { start: at, tries: 0 }));
      window.tries++;
      if (window.tries <= limit) return null;
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((window.start + windowMs - at) / 1000)) };
    },
  };
}
const MAX_KEYS = 10_000;

/**
 * All three budgets in this process's memory: N instances would give a guesser N budgets, so the
 * app never uses it (it uses sharedCodeGuessBudget); tests of the window rules do.
 */
export function inProcessCodeGuessBudget(
  limits: CodeGuessLimits = CODE_GUESS_LIMITS,
  now: () => number = Date.now,
): CodeGuessBudget {
  const clients = inMemoryWindows(limits.windowSeconds, now);
  const organizations = inMemoryWindows(limits.windowSeconds, now);
  const everyone = inMemoryWindows(limits.windowSeconds, now);
  return {
    async spend(client, organization) {
      return (
        clients.spend(client, limits.perClient) ??
        organizations.spend(organization, limits.perOrganization) ??
        everyone.spend('', limits.global) ?? { allowed: true }
      );
    },
  };
}
