import { open, seal } from '../crypto/aead.ts';
import type { Attributes } from '../db/schema.ts';
import type { Answers } from '../surveys/questions.ts';
import type { Keys } from '../crypto/tokens.ts';

/** What waits in the box: the survey, the invitation's attribute snapshot, the answers. No time, no token. */
export interface SealedPayload {
  surveyId: string;
  attributes: Attributes;
  answers: Answers;
}

// The box is bound to its organization and wave: a row copied elsewhere does not open.
const context = (orgId: string, waveId: string) => `sealed-box:${orgId}:${waveId}`;

export function sealResponse(keys: Keys, orgId: string, waveId: string, payload: SealedPayload): Buffer {
  return seal(keys['sealed-box'], Buffer.from(JSON.stringify(payload), 'utf8'), context(orgId, waveId));
}

export function openResponse(keys: Keys, orgId: string, waveId: string, box: Buffer): SealedPayload | null {
  const plain = open(keys['sealed-box'], box, context(orgId, waveId));
  return plain ? (JSON.parse(plain.toString('utf8')) as SealedPayload) : null;
}
