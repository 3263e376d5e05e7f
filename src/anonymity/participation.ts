import { randomBytes } from 'node:crypto';
import { keyedHash, type Keys } from '../crypto/tokens.ts';

/**
 * P1, P7: that an invitation was answered is kept only as a keyed hash of its id, so only the
 * application's secret can tell who answered (the reminders need it; nobody else may).
 */
export const participationMarker = (keys: Keys, invitationId: string) => keyedHash(keys.participation, invitationId);
// Domain-separated from the marker (whose input is a UUID) under the same key. Without a key
// chosen by the client there is no replay: 20 identical requests at once get one 201, 19 × 409.
// Every row still gets a value of the same kind and length (SPEC P1: every row of a table looks
// alike whatever channel wrote it): a null here told the form, which always sends a key, from an
// API client that sends none. With no client key, a random one stands in; no retry can match it.
export const submissionOf = (keys: Keys, sessionToken: string, idempotencyKey: string | undefined) =>
  keyedHash(
    keys.participation,
    `submission:${sessionToken}:${idempotencyKey === undefined ? `server:${randomBytes(32).toString('hex')}` : `client:${idempotencyKey}`}`,
  );
