import { createCipheriv, createDecipheriv, randomBytes, type KeyObject } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** AES-256-GCM: iv | ciphertext | tag. `context` binds the ciphertext to where it belongs (AAD). */
export function seal(key: KeyObject, plaintext: Buffer, context: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  // The same bytes as concat([iv, update, final, tag]), written into one buffer: a sealed answer is
  // ~6 KB, and each intermediate copy was one more backing store for the GC to find (peak RSS).
  const body = cipher.update(plaintext);
  const rest = cipher.final(); // GCM keeps the length: empty
  const tag = cipher.getAuthTag();
  const out = Buffer.allocUnsafe(IV_BYTES + body.length + rest.length + tag.length);
  iv.copy(out, 0);
  body.copy(out, IV_BYTES);
  rest.copy(out, IV_BYTES + body.length);
  tag.copy(out, IV_BYTES + body.length + rest.length);
  return out;
}

/** The plaintext, or null when the box was not sealed with this key and context or was altered. */
export function open(key: KeyObject, box: Buffer, context: string): Buffer | null {
  if (box.length < IV_BYTES + TAG_BYTES) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, box.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(box.subarray(box.length - TAG_BYTES));
    const body = decipher.update(box.subarray(IV_BYTES, box.length - TAG_BYTES));
    const rest = decipher.final(); // throws when the tag does not match; GCM returns nothing here
    // No copy when final() adds nothing (always, for GCM): concat would copy the ~6 KB plaintext.
    return rest.length === 0 ? body : Buffer.concat([body, rest]);
  } catch {
    return null;
  }
}
