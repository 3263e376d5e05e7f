import { createHmac, createSecretKey, hkdfSync, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';

/** Purposes get separate keys derived from the one pepper, so a hash from one table is useless in another. */
export const KEY_PURPOSES = [
  'session',
  'api-key',
  'login-subject',
  'device-cookie',
  'invitation-token',
  'invitation-code',
  'participation',
  'sealed-box',
  'survey-session',
  'mail-outbox',
  'client-address',
  'contests',
  'code-guess-budget',
] as const;
export type KeyPurpose = (typeof KEY_PURPOSES)[number];

// KeyObjects, not Buffers: Node re-imports a raw key on every HMAC, which dominated issuing 100k invitations.
export type Keys = Record<KeyPurpose, KeyObject>;

export function deriveKeys(pepper: Buffer): Keys {
  const derive = (purpose: KeyPurpose) =>
    createSecretKey(Buffer.from(hkdfSync('sha256', pepper, Buffer.alloc(0), `quorum:${purpose}`, 32)));
  return Object.fromEntries(KEY_PURPOSES.map((purpose) => [purpose, derive(purpose)])) as Keys;
}

/** A random opaque token: `<prefix>_<43 base64url chars>` (256 bits). */
export function newToken(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

/**
 * `count` tokens like newToken's, from one draw of the CSPRNG: one call per token was the largest
 * single cost of opening a wave of 100,000 (bench/results.md, issue 16).
 */
export function newTokens(prefix: string, count: number): string[] {
  const bytes = randomBytes(32 * count);
  return Array.from({ length: count }, (_, i) => `${prefix}_${bytes.toString('base64url', 32 * i, 32 * i + 32)}`);
}

/**
 * SPEC P5: high-entropy tokens are stored only as a keyed hash. HMAC-SHA256 is enough (and fast)
 * because the input cannot be guessed; argon2id is kept for low-entropy passwords.
 */
export function keyedHash(key: KeyObject, value: string): Buffer {
  return createHmac('sha256', key).update(value, 'utf8').digest();
}

export function sameHash(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
