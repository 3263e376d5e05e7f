import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import { DomainError, NotFound } from '../errors.ts';
import { ascendingIds } from '../db/ascending-ids.ts';
import type { RosterRow, RowProblem } from './rows.ts';
import { writeThenSettle } from '../anonymity/settle.ts';

export class ImportRejected extends DomainError {
  constructor(rows: RowProblem[]) {
    super(
      422,
      'import-rejected',
      `The import was refused and nothing changed: ${rows.length} problem(s), first at row ${rows[0]?.row}.`,
      { rows },
    );
  }
}

export async function listDimensions(db: Kysely<Database>, orgId: string) {
  return db
    .selectFrom('attribute_dimensions')
    .select(['key', 'label', 'reportable'])
    .where('org_id', '=', orgId)
    .orderBy('position')
    .execute();
}

/** Replaces the organization's dimensions; their order is their importance when generalising. */
export async function replaceDimensions(
  db: Kysely<Database>,
  orgId: string,
  dimensions: Array<{ key: string; label?: string | undefined; reportable: boolean }>,
) {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('attribute_dimensions').where('org_id', '=', orgId).execute();
    if (dimensions.length > 0) {
      await trx
        .insertInto('attribute_dimensions')
        .values(
          dimensions.map((d, position) => ({
            org_id: orgId,
            key: d.key,
            label: d.label ?? d.key,
            reportable: d.reportable,
            position,
          })),
        )
        .execute();
    }
  });
  return listDimensions(db, orgId);
}

const BATCH = 5_000;

export interface ImportResult {
  inserted: number;
  updated: number;
  deactivated: number;
  revokedInvitations: number;
}

/**
 * Upserts the rows by external id in one transaction (all or nothing), in set-based batches.
 * In sync mode everyone absent from the file is deactivated and their open invitations revoked.
 * Both tables are settled after the commit: a revoked invitation's old version would otherwise be
 * cleaned up by the leaver's own next use of their link, and participants are people (P1).
 */
export async function importRoster(
  db: Kysely<Database>,
  orgId: string,
  rows: RosterRow[],
  mode: 'upsert' | 'sync',
): Promise<ImportResult> {
  // A sync of no rows would deactivate every participant and revoke every open invitation: almost
  // surely a file cut short, and a way to choose whose invitations stop counting (issue 15 audit).
  if (mode === 'sync' && rows.length === 0)
    throw new ImportRejected([{ row: 1, field: 'file', reason: 'a sync needs at least one row' }]);
  return writeThenSettle(db, ['participants', 'invitations'], async (trx) => {
    // The one lock the participants' foreign key took per row (migrations/20261201_008): an
    // organization deleted meanwhile either waits for this import or makes it a 404.
    const org = await trx
      .selectFrom('organizations')
      .select('id')
      .where('id', '=', orgId)
      .forKeyShare()
      .executeTakeFirst();
    if (!org) throw new NotFound('Organization');
    const nextId = ascendingIds();
    let inserted = 0;
    let updated = 0;
    for (let start = 0; start < rows.length; start += BATCH) {
      const batch = rows.slice(start, start + BATCH);
      // The id is used only by rows that are new.
      const { rows: counts } = await sql<{ inserted: number; updated: number }>`
        with upserted as (
          insert into participants (org_id, id, external_id, email, name, attributes, active)
          select ${orgId}, r.id, r.external_id, r.email, r.name, r.attributes::jsonb, true
          from unnest(${batch.map(nextId)}::uuid[], ${batch.map((r) => r.externalId)}::text[], ${batch.map((r) => r.email)}::text[], ${batch.map((r) => r.name)}::text[], ${batch.map((r) => JSON.stringify(r.attributes))}::text[])
            as r(id, external_id, email, name, attributes)
          on conflict (org_id, external_id) do update
            set email = excluded.email, name = excluded.name, attributes = excluded.attributes, active = true,
              -- A leaver coming back joins again: during a survey, a roster addition (issue 13).
              joined_at = case when participants.active then participants.joined_at else now() end
          returning (xmax = 0) as was_inserted
        )
        select count(*) filter (where was_inserted) as inserted, count(*) filter (where not was_inserted) as updated from upserted
      `.execute(trx);
      inserted += counts[0]!.inserted;
      updated += counts[0]!.updated;
    }
    let deactivated = 0;
    let revokedInvitations = 0;
    if (mode === 'sync') {
      const leavers = await trx
        .updateTable('participants')
        .set({ active: false })
        .where('org_id', '=', orgId)
        .where('active', '=', true)
        .where(sql<boolean>`not (external_id = any(${rows.map((r) => r.externalId)}::text[]))`)
        .returning('id')
        .execute();
      deactivated = leavers.length;
      revokedInvitations = await revokeOpenInvitations(
        trx,
        orgId,
        leavers.map((l) => l.id),
      );
    }
    return { inserted, updated, deactivated, revokedInvitations };
  });
}

/**
 * Leavers keep no usable link or code: their invitations in open waves are revoked. Runs inside
 * the caller's transaction, which must settle 'invitations' after it commits (writeThenSettle).
 */
export async function revokeOpenInvitations(
  trx: Transaction<Database>,
  orgId: string,
  participantIds: string[],
): Promise<number> {
  if (participantIds.length === 0) return 0;
  const result = await trx
    .updateTable('invitations')
    .set({ revoked: true })
    .where('org_id', '=', orgId)
    .where('revoked', '=', false)
    .where('participant_id', '=', sql<string>`any(${participantIds}::uuid[])`)
    .where('wave_id', 'in', (eb) =>
      eb.selectFrom('waves').select('id').where('org_id', '=', orgId).where('status', '=', 'open'),
    )
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function listParticipants(db: Kysely<Database>, orgId: string, limit: number, after: string | undefined) {
  let query = db
    .selectFrom('participants')
    .select(['id', 'external_id', 'email', 'name', 'active', 'attributes'])
    .where('org_id', '=', orgId)
    .orderBy('external_id')
    .limit(limit);
  if (after !== undefined) query = query.where('external_id', '>', after);
  return query.execute();
}

/** How many people the roster holds, and how many of them are active (leavers stay, inactive). */
export async function countParticipants(db: Kysely<Database>, orgId: string) {
  const row = await db
    .selectFrom('participants')
    .select((eb) => [
      eb.fn.countAll<string>().as('total'),
      eb.fn.countAll<string>().filterWhere('active', '=', true).as('active'),
    ])
    .where('org_id', '=', orgId)
    .executeTakeFirstOrThrow();
  return { total: Number(row.total), active: Number(row.active) };
}
