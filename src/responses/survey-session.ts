import { open, seal } from '../crypto/aead.ts';
import type { Keys } from '../crypto/tokens.ts';

export const SURVEY_SESSION_PREFIX = 'qv';
export const SURVEY_SESSION_MINUTES = 60;

export interface SurveySession {
  orgId: string;
  invitationId: string;
}

/**
 * The survey session is a sealed, expiring value held by the browser, not a database row: opening
 * a survey leaves no trace at rest of who opened it or when (SPEC P1).
 */
export function issueSurveySession(
  keys: Keys,
  session: SurveySession,
  now = Date.now(),
): { token: string; expiresAt: Date } {
  const expiresAt = new Date(now + SURVEY_SESSION_MINUTES * 60_000);
  const plain = Buffer.from(
    JSON.stringify({ o: session.orgId, i: session.invitationId, e: expiresAt.getTime() }),
    'utf8',
  );
  return {
    token: `${SURVEY_SESSION_PREFIX}_${seal(keys['survey-session'], plain, 'survey-session').toString('base64url')}`,
    expiresAt,
  };
}

export function readSurveySession(keys: Keys, token: string, now = Date.now()): SurveySession | null {
  if (!token.startsWith(`${SURVEY_SESSION_PREFIX}_`) || token.length > 400) return null;
  const plain = open(
    keys['survey-session'],
    Buffer.from(token.slice(SURVEY_SESSION_PREFIX.length + 1), 'base64url'),
    'survey-session',
  );
  if (!plain) return null;
  const { o, i, e } = JSON.parse(plain.toString('utf8')) as { o: string; i: string; e: number };
  return e > now ? { orgId: o, invitationId: i } : null;
}
