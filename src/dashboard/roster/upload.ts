import type { MultipartFile } from '@fastify/multipart';

/** The roster file limit of the dashboard: a roster of a few thousand people; larger ones go through the API. */
export const UPLOAD_LIMIT_BYTES = 256 * 1024;

export const MULTIPART_LIMITS = {
  files: 1,
  fileSize: UPLOAD_LIMIT_BYTES,
  fields: 4,
  // busboy cuts a longer text field silently: a little room above the limit lets the handler see
  // that it was cut (pastedTooLong) and refuse it, rather than import half a roster.
  fieldSize: UPLOAD_LIMIT_BYTES + 16,
  parts: 5,
  fieldNameSize: 20,
};

/** What the upload form sent: the file read whole (within the limit), kept apart from the other fields. */
export interface UploadedFile {
  filename: string;
  mimetype: string;
  bytes: Buffer;
}

/** Turns each file part into its bytes as the body's value (attachFieldsToBody: 'keyValues'). */
export async function keepFile(part: MultipartFile): Promise<void> {
  const bytes = await part.toBuffer();
  (part as unknown as { value: UploadedFile }).value = { filename: part.filename, mimetype: part.mimetype, bytes };
}

const CSV_TYPES = new Set([
  'text/csv',
  'text/plain',
  'application/csv',
  'application/vnd.ms-excel',
  'application/octet-stream',
]);
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The file's text, or null when it is not a CSV text file: an other type, bytes that are not UTF-8,
 * or binary content (NUL). The CSV itself is then checked by the API's own parser.
 */
export function csvText(file: UploadedFile): string | null {
  const named = /\.(csv|txt)$/i.test(file.filename);
  if (!named && !CSV_TYPES.has(file.mimetype.toLowerCase())) return null;
  let text: string;
  try {
    text = utf8.decode(file.bytes);
  } catch {
    return null;
  }
  return text.includes('\u0000') ? null : text;
}

export function isUploadedFile(value: unknown): value is UploadedFile {
  return typeof value === 'object' && value !== null && Buffer.isBuffer((value as UploadedFile).bytes);
}

/** A pasted CSV over the limit (or cut by the multipart parser) is refused whole, never imported in part. */
export const pastedTooLong = (text: string) => Buffer.byteLength(text) > UPLOAD_LIMIT_BYTES;
