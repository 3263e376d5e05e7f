import { open, seal } from '../crypto/aead.ts';
import type { Keys } from '../crypto/tokens.ts';

export const SURVEY_SESSION_PREFIX = 'qv';
export const SURVEY_SESSION_MINUTES = 60;

export interface SurveySession {
  orgId: string;
  invitationId: string;
  /**
   * What a submit needs besides the answers, as the exchange read it: the invitation's wave and
   * survey, its attribute snapshot's digest (all the sealed box holds of it) and the survey's k.
   * The submit statement checks again that the wave is open and the invitation not revoked, so a
   * submit needs no read before it. (Sessions issued before this field read the invitation.)
   */
  submit?: { waveId: string; surveyId: string; snapshotDigest: string; minGroupSize: number };
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
  const { submit } = session;
  const plain = Buffer.from(
    JSON.stringify({
      o: session.orgId,
      i: session.invitationId,
      e: expiresAt.getTime(),
      ...(submit ? { w: submit.waveId, s: submit.surveyId, d: submit.snapshotDigest, k: submit.minGroupSize } : {}),
    }),
    'utf8',
  );
  return {
    token: `${SURVEY_SESSION_PREFIX}_${seal(keys['survey-session'], plain, 'survey-session').toString('base64url')}`,
    expiresAt,
  };
}

export function readSurveySession(keys: Keys, token: string, now = Date.now()): SurveySession | null {
  if (!token.startsWith(`${SURVEY_SESSION_PREFIX}_`) || token.length > 600) return null;
  const plain = open(
    keys['survey-session'],
    Buffer.from(token.slice(SURVEY_SESSION_PREFIX.length + 1), 'base64url'),
    'survey-session',
  );
  if (!plain) return null;
  const { o, i, e, w, s, d, k } = JSON.parse(plain.toString('utf8')) as {
    o: string;
    i: string;
    e: number;
    w?: string;
    s?: string;
    d?: string;
    k?: number;
  };
  if (!(e > now)) return null;
  return {
    orgId: o,
    invitationId: i,
    ...(w && s && d && k ? { submit: { waveId: w, surveyId: s, snapshotDigest: d, minGroupSize: k } } : {}),
  };
}
