import argon2 from 'argon2';

/**
 * argon2id at 64 MiB, 2 passes, 1 lane: above OWASP's minimum (19 MiB, 2 passes) and about
 * 130 ms per hash on a 2-core machine. Stored hashes carry their parameters, so raising these
 * later upgrades each account at its next successful login (see needsRehash).
 */
const OPTIONS = { type: argon2.argon2id, memoryCost: 65_536, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN_LENGTH = 12;
// argon2 hashes any length, but an unbounded input is a cheap way to burn server CPU.
export const PASSWORD_MAX_LENGTH = 256;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, OPTIONS);
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

export function needsRehash(hash: string): boolean {
  return argon2.needsRehash(hash, OPTIONS);
}

// Verifying against this when the e-mail is unknown keeps the answer time the same either way.
let dummyHash: Promise<string> | undefined;
export async function burnVerifyTime(password: string): Promise<false> {
  dummyHash ??= hashPassword('quorum-timing-equaliser');
  await verifyPassword(await dummyHash, password);
  return false;
}

/** A generated password for CLI-created owners: 20 chars from an unambiguous alphabet (~115 bits). */
export function generatePassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = crypto.getRandomValues(new Uint32Array(20));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}
