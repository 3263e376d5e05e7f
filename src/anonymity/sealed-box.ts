import { createHash, type KeyObject } from 'node:crypto';
import { open, seal } from '../crypto/aead.ts';
import { padTo, paddedSize, unpad } from './padding.ts';
import type { Attributes } from '../db/schema.ts';
import type { Answers, Question, SurveyDefinition } from '../surveys/questions.ts';

/** What waits in the box: the survey, the invitation's attribute snapshot, the answers. No time, no token. */
export interface SealedPayload {
  surveyId: string;
  /** The invitation's snapshot; or, when that is all the caller holds, its digest (snapshotDigest). */
  attributes?: Attributes;
  snapshotDigest?: string;
  answers: Answers;
}

/** What the box holds instead of the snapshot: its digest, resolved at release from the wave's invitations. */
export interface OpenedPayload {
  surveyId: string;
  snapshotDigest: string;
  answers: Answers;
  /** Only in a box sealed before fixed lengths (unpadded JSON): its snapshot itself. */
  attributes?: Attributes;
}

// The box is bound to its organization and wave: a row copied elsewhere does not open.
const context = (orgId: string, waveId: string) => `sealed-box:${orgId}:${waveId}`;

/**
 * SPEC P1 (T2): every box of a survey has one length. The plaintext is a fixed-layout encoding of
 * the answers in question order, so its maximum follows from the definition alone (a text of n
 * UTF-16 units is at most 3n UTF-8 bytes), and the attribute snapshot enters as a 32-byte digest
 * instead of its text: a snapshot's length would otherwise survive in the box's (padding
 * aside, its maximum over 20 dimensions of 200 characters is ~13 kB per box). The invitations
 * already hold every snapshot of the wave, so the mixer maps the digest back at release.
 */
const VERSION = 1;
const ABSENT = 0xff;
const TEXT_ABSENT = 0xffff;

function maxAnswerBytes(q: Question): number {
  switch (q.type) {
    case 'likert5':
    case 'scale0_10':
    case 'yes_no':
    case 'single_choice':
      return 1;
    case 'multi_choice':
      return 1 + q.options.length;
    case 'text':
      return 2 + 3 * q.maxLength;
  }
}

/** The plaintext size of every box of a survey: version, survey id, snapshot digest, answers, padding. */
export function sealedPlaintextSize(definition: SurveyDefinition): number {
  return paddedSize(1 + 16 + 32 + definition.questions.reduce((n, q) => n + maxAnswerBytes(q), 0));
}

export const snapshotDigest = (attributes: Attributes) =>
  createHash('sha256').update(JSON.stringify(attributes), 'utf8').digest('hex');

function encode(definition: SurveyDefinition, payload: SealedPayload): Buffer {
  const parts: Buffer[] = [
    Buffer.from([VERSION]),
    Buffer.from(payload.surveyId.replaceAll('-', ''), 'hex'),
    Buffer.from(payload.snapshotDigest ?? snapshotDigest(payload.attributes ?? {}), 'hex'),
  ];
  for (const q of definition.questions) {
    const value = payload.answers[q.id];
    if (value === undefined) {
      parts.push(q.type === 'text' ? Buffer.from([0xff, 0xff]) : Buffer.from([ABSENT]));
      continue;
    }
    switch (q.type) {
      case 'likert5':
      case 'scale0_10':
        parts.push(Buffer.from([value as number]));
        break;
      case 'yes_no':
        parts.push(Buffer.from([value ? 1 : 0]));
        break;
      case 'single_choice':
        parts.push(Buffer.from([q.options.findIndex((o) => o.id === value)]));
        break;
      case 'multi_choice': {
        const chosen = value as string[];
        parts.push(Buffer.from([chosen.length, ...chosen.map((id) => q.options.findIndex((o) => o.id === id))]));
        break;
      }
      case 'text': {
        const text = Buffer.from(value as string, 'utf8');
        const length = Buffer.alloc(2);
        length.writeUInt16BE(text.length);
        parts.push(length, text);
        break;
      }
    }
  }
  return Buffer.concat(parts);
}

function decode(definition: SurveyDefinition, plain: Buffer): OpenedPayload | null {
  if (plain[0] !== VERSION) return null;
  const hex = plain.subarray(1, 17).toString('hex');
  const surveyId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  const digest = plain.subarray(17, 49).toString('hex');
  let at = 49;
  const answers: Answers = {};
  for (const q of definition.questions) {
    if (q.type === 'text') {
      const length = plain.readUInt16BE(at);
      at += 2;
      if (length === TEXT_ABSENT) continue;
      answers[q.id] = plain.subarray(at, at + length).toString('utf8');
      at += length;
      continue;
    }
    const byte = plain[at++]!;
    if (byte === ABSENT) continue;
    if (q.type === 'likert5' || q.type === 'scale0_10') answers[q.id] = byte;
    else if (q.type === 'yes_no') answers[q.id] = byte === 1;
    else if (q.type === 'single_choice') answers[q.id] = q.options[byte]!.id;
    else {
      answers[q.id] = [...plain.subarray(at, at + byte)].map((i) => q.options[i]!.id);
      at += byte;
    }
  }
  return { surveyId, snapshotDigest: digest, answers };
}

/** Throws a 413 (nothing stored) when the answers would not fit the survey's fixed size. */
export function sealResponse(
  key: KeyObject,
  orgId: string,
  waveId: string,
  definition: SurveyDefinition,
  payload: SealedPayload,
): Buffer {
  const plain = padTo(encode(definition, payload), sealedPlaintextSize(definition));
  return seal(key, plain, context(orgId, waveId));
}

export function openResponse(
  key: KeyObject,
  orgId: string,
  waveId: string,
  definition: SurveyDefinition,
  box: Buffer,
): OpenedPayload | null {
  const padded = open(key, box, context(orgId, waveId));
  if (!padded) return null;
  const plain = unpad(padded);
  const decoded = plain && decode(definition, plain);
  if (decoded) return decoded;
  // A box sealed before lengths were fixed (still waiting when this version was deployed).
  if (padded[0] !== 0x7b) return null;
  const legacy = JSON.parse(padded.toString('utf8')) as SealedPayload;
  return { surveyId: legacy.surveyId, snapshotDigest: '', answers: legacy.answers, attributes: legacy.attributes };
}

/** The same plaintext under another key (a kept-back box moving to the next epoch): same length. */
export function resealResponse(
  from: KeyObject,
  to: KeyObject,
  orgId: string,
  waveId: string,
  box: Buffer,
): Buffer | null {
  const plain = open(from, box, context(orgId, waveId));
  return plain && seal(to, plain, context(orgId, waveId));
}
