import { DomainError } from '../errors.ts';

/**
 * SPEC P1: a sealed value's length must not depend on its content. AES-GCM keeps the plaintext's
 * length, so every plaintext is padded to a size fixed in advance for its kind (a survey's boxes,
 * an e-mail of one survey and kind): a 4-byte length, the value, then zeros. The size is never
 * chosen from the value itself; a value that would not fit is refused instead of growing the size.
 */
const LENGTH_BYTES = 4;

export const tooLargeToSeal = () =>
  new DomainError(413, 'answers-too-large', 'These answers are larger than this survey can store. Shorten them.');

/** `plain` padded to exactly `size` bytes (size counts the length prefix). Throws when it does not fit. */
export function padTo(plain: Buffer, size: number): Buffer {
  if (plain.length + LENGTH_BYTES > size) throw tooLargeToSeal();
  const out = Buffer.alloc(size);
  out.writeUInt32BE(plain.length, 0);
  plain.copy(out, LENGTH_BYTES);
  return out;
}

/** The value inside a padded plaintext, or null when the prefix does not fit (not one of ours). */
export function unpad(padded: Buffer): Buffer | null {
  if (padded.length < LENGTH_BYTES) return null;
  const length = padded.readUInt32BE(0);
  return length + LENGTH_BYTES <= padded.length ? padded.subarray(LENGTH_BYTES, LENGTH_BYTES + length) : null;
}

/** The padded size of a plaintext of at most `maxBytes`. */
export const paddedSize = (maxBytes: number) => maxBytes + LENGTH_BYTES;
