import { randomUUID } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { Attributes, Database } from '../db/schema.ts';
import { keyedHash, newToken, type Keys } from '../crypto/tokens.ts';
import { newNicknameCode } from './codes.ts';

export const INVITATION_TOKEN_PREFIX = 'qi';

export interface Invitee {
  participantId: string | null;
  attributes: Attributes;
}

export interface IssuedInvitation {
  token: string;
  code: string;
}

const BATCH = 5_000;

/**
 * Creates one invitation per invitee: a link token (256 bits) and a nickname code, stored only as
 * keyed hashes. The plaintexts are returned to the caller, once, and exist nowhere else.
 */
export async function issueInvitations(trx: Transaction<Database>, keys: Keys, orgId: string, waveId: string, invitees: Invitee[]): Promise<IssuedInvitation[]> {
  const issued: IssuedInvitation[] = [];
  for (let start = 0; start < invitees.length; start += BATCH) {
    const batch = invitees.slice(start, start + BATCH);
    const ids: string[] = [];
    const participants: (string | null)[] = [];
    const tokenHashes: Buffer[] = [];
    const codeHashes: Buffer[] = [];
    const attributes: string[] = [];
    for (const invitee of batch) {
      const token = newToken(INVITATION_TOKEN_PREFIX);
      const code = newNicknameCode();
      issued.push({ token, code });
      ids.push(randomUUID());
      participants.push(invitee.participantId);
      tokenHashes.push(keyedHash(keys['invitation-token'], token));
      codeHashes.push(keyedHash(keys['invitation-code'], code));
      attributes.push(JSON.stringify(invitee.attributes));
    }
    await sql`
      insert into invitations (org_id, id, wave_id, participant_id, token_hash, code_hash, attributes)
      select ${orgId}, i.id, ${waveId}, i.participant_id, i.token_hash, i.code_hash, i.attributes::jsonb
      from unnest(${ids}::uuid[], ${participants}::uuid[], ${tokenHashes}::bytea[], ${codeHashes}::bytea[], ${attributes}::text[])
        as i(id, participant_id, token_hash, code_hash, attributes)
    `.execute(trx);
  }
  return issued;
}

/** The reportable part of a participant's attributes, as snapshotted on the invitation (SPEC P1). */
export function snapshotAttributes(attributes: Attributes, reportable: string[]): Attributes {
  const snapshot: Attributes = {};
  for (const key of reportable) if (attributes[key] !== undefined) snapshot[key] = attributes[key];
  return snapshot;
}
