import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { Conflict, NotFound } from '../errors.ts';
import { keyedHash, newTokens, type Keys } from '../crypto/tokens.ts';
import { INVITATION_TOKEN_PREFIX } from '../invitations/service.ts';
import { newNicknameCode } from '../invitations/codes.ts';
import { participationMarker } from '../anonymity/participation.ts';
import { queueMail } from './outbox.ts';
import { composeMail } from './templates.ts';
import { readerLanguage } from './reader-language.ts';
import { readerFacingOrganization } from '../orgs/service.ts';
import { writeThenSettle, type SettleOptions } from '../anonymity/settle.ts';

/**
 * Reminds the current wave's non-responders by e-mail, with nobody seeing who they are (P7).
 * Tokens exist only as hashes, so a reminder carries a fresh link and code: they are re-issued
 * for every e-mailed invitation of the wave — responders included — so the rows that change say
 * nothing about who answered; only the sealed outbox, shuffled, holds the non-responders' mail.
 * Run once per wave (`reminded_on`), in one transaction with the queued mail. Rewriting every
 * row leaves its old version and index entries dead until the next read of that invitation — the
 * reminded employee's — would clean them up, so the rows are settled before the mail can leave (P1).
 */
export async function remindNonResponders(
  db: Kysely<Database>,
  keys: Keys,
  orgId: string,
  surveyId: string,
  publicUrl: string,
  options: { onlyIfDue: boolean; emailEnabled: boolean; settle?: SettleOptions },
): Promise<boolean> {
  return writeThenSettle(
    db,
    ['invitations', 'waves'],
    async (trx) => {
      const survey = await trx
        .selectFrom('surveys')
        .select(['definition', 'min_group_size', 'reminder_after_days'])
        .where('org_id', '=', orgId)
        .where('id', '=', surveyId)
        .executeTakeFirst();
      if (!survey) throw new NotFound('Survey');
      if (!options.emailEnabled)
        throw new Conflict('email-not-configured', 'Reminders go by e-mail, but SMTP_URL is not set.');
      const wave = await trx
        .selectFrom('waves')
        .select([
          'id',
          'reminded_on',
          sql<boolean>`opened_on + ${survey.reminder_after_days ?? 0}::int <= current_date`.as('due'),
        ])
        .where('org_id', '=', orgId)
        .where('survey_id', '=', surveyId)
        .where('status', '=', 'open')
        .forUpdate()
        .executeTakeFirst();
      if (!wave) throw new Conflict('survey-not-open', 'There is no open wave to remind.');
      if (options.onlyIfDue && (wave.reminded_on !== null || survey.reminder_after_days === null || !wave.due))
        return false;

      const invitations = await trx
        .selectFrom('invitations')
        .innerJoin('participants', (j) =>
          j
            .onRef('participants.org_id', '=', 'invitations.org_id')
            .onRef('participants.id', '=', 'invitations.participant_id'),
        )
        .select(['invitations.id', 'participants.email', 'participants.attributes'])
        .where('invitations.org_id', '=', orgId)
        .where('invitations.wave_id', '=', wave.id)
        .where('invitations.revoked', '=', false)
        .where('participants.email', 'is not', null)
        .execute();
      const answered = new Set(
        (
          await trx
            .selectFrom('participation')
            .select('marker')
            .where('org_id', '=', orgId)
            .where('wave_id', '=', wave.id)
            .execute()
        ).map((m) => m.marker.toString('hex')),
      );
      const tokens = newTokens(INVITATION_TOKEN_PREFIX, invitations.length);
      const fresh = invitations.map((invitation, i) => ({
        ...invitation,
        token: tokens[i]!,
        code: newNicknameCode(),
      }));
      if (fresh.length > 0) {
        await sql`
        update invitations i set token_hash = f.token_hash, code_hash = f.code_hash
        from unnest(${fresh.map((f) => f.id)}::uuid[], ${fresh.map((f) => keyedHash(keys['invitation-token'], f.token))}::bytea[], ${fresh.map((f) => keyedHash(keys['invitation-code'], f.code))}::bytea[]) as f(id, token_hash, code_hash)
        where i.org_id = ${orgId} and i.id = f.id`.execute(trx);
      }
      const pending = fresh.filter((f) => !answered.has(participationMarker(keys, f.id).toString('hex')));
      const sender = await readerFacingOrganization(trx, orgId);
      await queueMail(
        trx,
        keys,
        orgId,
        pending.map((f) =>
          composeMail(
            'reminder',
            survey.definition,
            survey.min_group_size,
            f.email!,
            `${publicUrl}/s/${f.token}`,
            f.code,
            {
              organizationName: sender.organizationName,
              language: readerLanguage(survey.definition, f.attributes, sender.defaultLanguage),
            },
          ),
        ),
      );
      await trx
        .updateTable('waves')
        .set({ reminded_on: sql<string>`current_date` })
        .where('org_id', '=', orgId)
        .where('id', '=', wave.id)
        .execute();
      return true;
    },
    options.settle,
  );
}

/** Open waves of surveys with a reminder setting whose day has come and that were not reminded yet. */
export async function surveysDueForReminder(db: Kysely<Database>) {
  return db
    .selectFrom('surveys')
    .innerJoin('waves', (j) =>
      j.onRef('waves.org_id', '=', 'surveys.org_id').onRef('waves.survey_id', '=', 'surveys.id'),
    )
    .select(['surveys.org_id', 'surveys.id'])
    .where('waves.status', '=', 'open')
    .where('waves.reminded_on', 'is', null)
    .where('surveys.reminder_after_days', 'is not', null)
    .where(sql<boolean>`waves.opened_on + surveys.reminder_after_days <= current_date`)
    .execute();
}
