import { randomInt } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Keys } from '../crypto/tokens.ts';
import { generalise, shuffle } from './generalise.ts';
import { openResponse, resealResponse, snapshotDigest } from './sealed-box.ts';
import { batchKeysOf } from './batch-keys.ts';
import type { Attributes } from '../db/schema.ts';
import { addCounters, countAnswers } from '../reports/counters.ts';
import { surveyReporting } from '../surveys/reporting.ts';

export interface ReleaseResult {
  released: number;
  stillSealed: number;
  unreadable: number;
}

const cryptoRandom = () => randomInt(2 ** 47) / 2 ** 47;

/**
 * Moves sealed responses of one wave to the results table (SPEC P1, P3). While the wave is open it
 * waits until max(2k, batchSize) are pending and releases all but k of them, chosen at random:
 * every release then adds at least k responses, and the k kept back guarantee the final release
 * at close is at least k too. Generalisation works per batch (that is what protects against an
 * operator who can order answers and releases), so bigger batches keep more attribute detail. `flush` (wave closing) releases everything. Released rows are generalised,
 * shuffled and written in one transaction, so they share its transaction id with each other only.
 */
export async function releaseResponses(
  db: Kysely<Database> | Transaction<Database>,
  keys: Keys,
  orgId: string,
  waveId: string,
  options: { flush: boolean; batchSize?: number; pending?: number; minGroupSize?: number },
): Promise<ReleaseResult> {
  // Most submits release nothing: a plain count decides that without a transaction or row locks.
  // (A submit passes the count it already has, saving the query; and the survey's k, when known.)
  if (!options.flush) {
    const due = releaseDueAt(options.minGroupSize ?? 3, options.batchSize ?? 0);
    const countPending = async () =>
      (
        await db
          .selectFrom('sealed_responses')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('org_id', '=', orgId)
          .where('wave_id', '=', waveId)
          .executeTakeFirstOrThrow()
      ).n;
    const pending = options.pending ?? (await countPending());
    if (pending < due) return { released: 0, stillSealed: pending, unreadable: 0 };
    // One release of a wave at a time in this process: while it runs, every submit counts enough
    // boxes (those it releases are still there), and each would count again, take a connection
    // and try the release lock for nothing (1,425 extra counts in 1,730 submits at 64 concurrent).
    // Answers that arrive meanwhile are released by the next submit after it.
    if (releasing.has(waveId)) return { released: 0, stillSealed: -1, unreadable: 0 };
    releasing.add(waveId);
    try {
      return await releaseWhenDue(db, keys, orgId, waveId, options, due, countPending);
    } finally {
      releasing.delete(waveId);
    }
  }
  return releaseWhenDue(db, keys, orgId, waveId, options, 0, async () => 0);
}

const releasing = new Set<string>();

/** How many pending boxes make a release of an open wave due: max(2k, the batch size), at least 6. */
export const releaseDueAt = (minGroupSize: number, batchSize: number) => Math.max(6, 2 * minGroupSize, batchSize);

async function releaseWhenDue(
  db: Kysely<Database> | Transaction<Database>,
  keys: Keys,
  orgId: string,
  waveId: string,
  options: { flush: boolean; batchSize?: number; pending?: number; minGroupSize?: number },
  due: number,
  countPending: () => Promise<number>,
): Promise<ReleaseResult> {
  // A submit's count comes from its statement's snapshot: every submit in flight while a release
  // commits still counts the boxes it took. Counted again, those see the release and stop here,
  // before a transaction that would take the epoch lock (and hold every submit) for nothing.
  if (!options.flush && options.pending !== undefined) {
    const pending = await countPending();
    if (pending < due) return { released: 0, stillSealed: pending, unreadable: 0 };
  }
  const batchKeys = batchKeysOf(keys);
  // The next epoch's key is made durable before the release's locks (its fsyncs would otherwise
  // hold every submit of the wave); a release closing the wave keeps nothing back and needs none.
  if (!options.flush) await batchKeys.prepareNext(db, orgId, waveId);
  let advanced = false;
  const lockKey = sql`hashtextextended(${`release:${waveId}`}, 0)`;
  /**
   * `movedFrom`: the wave already moved on from this epoch (releaseAfterMoving, under its session
   * lock): only boxes sealed under it or older are released, no submit is held, nothing advances.
   */
  const run = async (trx: Transaction<Database>, movedFrom?: number): Promise<ReleaseResult> => {
    if (movedFrom !== undefined) {
      // The caller holds the advisory lock for the whole release.
    } else if (options.flush) await sql`select pg_advisory_xact_lock(${lockKey})`.execute(trx);
    else {
      const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(${lockKey}) as locked`.execute(
        trx,
      );
      if (!rows[0]?.locked) return { released: 0, stillSealed: -1, unreadable: 0 };
    }
    const wave = await trx
      .selectFrom('waves')
      .innerJoin('surveys', (j) =>
        j.onRef('surveys.org_id', '=', 'waves.org_id').onRef('surveys.id', '=', 'waves.survey_id'),
      )
      .select(['surveys.id as surveyId', 'surveys.min_group_size as k', 'surveys.definition'])
      .where('waves.org_id', '=', orgId)
      .where('waves.id', '=', waveId)
      .executeTakeFirstOrThrow();
    // Read before the epoch lock, which holds every submit of the wave until this commits. The
    // dimensions the survey fixed when it opened (SPEC P3), not the organization's current ones.
    const { dimensions } = await surveyReporting(trx, orgId, wave.surveyId);
    // A box holds its snapshot's digest (a fixed length, SPEC P1); the invitations of the wave hold
    // every snapshot it can stand for (read again below if a box names one added since).
    let snapshots = await snapshotsOfWave(trx, orgId, waveId, false);
    // Before reading the box: waits for submits in flight under the current epoch (SPEC P1, T3).
    // (Already done when the wave moved on before this transaction: its boxes are all in.)
    const currentEpoch = movedFrom ?? (await batchKeys.lock(trx, orgId, waveId));
    const boxes = trx
      .selectFrom('sealed_responses')
      .select(['id', 'sealed'])
      .where('org_id', '=', orgId)
      .where('wave_id', '=', waveId);
    // Moved on: no row lock, the advisory lock keeps every other release out, and a lock would
    // stamp this transaction's id on boxes it leaves, sealed after the move.
    let pending = await (movedFrom === undefined ? boxes.forUpdate() : boxes).execute();
    const k = wave.k;
    // The current epoch's key, an older one not yet destroyed (a follow-up cut short by a crash),
    // or, for boxes sealed before epochs existed, the pepper's key alone. Moved on: never the new
    // epoch's key — boxes sealed under it arrived after the move and wait for the next release
    // (released now, their dead tuples would open with a key that stays).
    const candidates = [
      ...(await batchKeys.available(orgId, waveId))
        .filter((e) => movedFrom === undefined || e.epoch <= movedFrom)
        .map((e) => e.key),
      keys['sealed-box'],
    ];
    const openBox = (box: Buffer) => {
      for (const key of candidates) {
        const payload = openResponse(key, orgId, waveId, wave.definition, box);
        if (payload) return payload;
      }
      return null;
    };
    let sealedAfter = 0;
    // Boxes opened by the filter below are not opened again for the release (the same plaintext:
    // each open is a decryption and two ~6 KB buffers, per box, at every release of a moved wave).
    const openedBefore = new Map<(typeof pending)[number], ReturnType<typeof openBox>>();
    if (movedFrom !== undefined) {
      const before = pending.length;
      pending = pending.filter((row) => {
        const payload = openBox(row.sealed);
        openedBefore.set(row, payload);
        return payload !== null;
      });
      sealedAfter = before - pending.length;
    }
    if (!options.flush && pending.length < Math.max(2 * k, options.batchSize ?? 0))
      return { released: 0, stillSealed: pending.length + sealedAfter, unreadable: 0 };

    const batch = options.flush ? pending : shuffle(pending, cryptoRandom).slice(0, pending.length - k);
    const opened = batch.map((row) => ({
      id: row.id,
      payload: openedBefore.has(row) ? openedBefore.get(row)! : openBox(row.sealed),
    }));
    const readable = opened.filter(
      (o): o is { id: string; payload: NonNullable<typeof o.payload> } => o.payload !== null,
    );
    if (readable.length === 0) {
      // A close of a wave with no box at all: it moves past its key like any close, so the key its
      // opening made is destroyed once this commits.
      if (options.flush && currentEpoch !== null && pending.length === 0 && movedFrom === undefined) {
        await batchKeys.advance(trx, orgId, waveId, currentEpoch, false);
        advanced = true;
      } else if (options.flush && currentEpoch !== null) await batchKeys.discardNext(orgId, waveId, currentEpoch);
      return { released: 0, stillSealed: pending.length, unreadable: opened.length };
    }

    // An invitation added to the wave after the read above (a roster addition) may have answered.
    // A snapshot that still does not resolve is released with no attributes.
    if (readable.some((r) => !r.payload.attributes && !snapshots.has(r.payload.snapshotDigest)))
      snapshots = await snapshotsOfWave(trx, orgId, waveId, true);
    const attributes = generalise(
      readable.map((r) => r.payload.attributes ?? snapshots.get(r.payload.snapshotDigest) ?? {}),
      dimensions,
      k,
      cryptoRandom,
    );
    const rows = shuffle(
      readable.map((r, i) => ({
        org_id: orgId,
        survey_id: wave.surveyId,
        wave_id: waveId,
        attributes: JSON.stringify(attributes[i]),
        answers: JSON.stringify(r.payload.answers),
      })),
      cryptoRandom,
    );
    await trx.insertInto('responses').values(rows).execute();
    await addCounters(
      trx,
      orgId,
      waveId,
      countAnswers(
        wave.definition,
        readable.map((r, i) => ({ combo: attributes[i]!, answers: r.payload.answers })),
      ),
    );
    await trx
      .deleteFrom('sealed_responses')
      .where('org_id', '=', orgId)
      .where('id', '=', sql<string>`any(${readable.map((r) => r.id)}::uuid[])`)
      .execute();
    // Crypto-shredding: the wave moves to the next epoch (new submits seal under its key); once
    // this commits, settleEpochs moves the boxes kept back to it and destroys the current key, so
    // the released boxes' dead tuples and WAL records open with no key that still exists.
    if (movedFrom !== undefined) advanced = true;
    else if (currentEpoch !== null) {
      await batchKeys.advance(trx, orgId, waveId, currentEpoch, readable.length < pending.length);
      advanced = true;
    }
    return {
      released: readable.length,
      stillSealed: pending.length + sealedAfter - readable.length,
      unreadable: opened.length - readable.length,
    };
  };
  if (db.isTransaction) {
    const result = await run(db as Transaction<Database>);
    // Committed by the caller (closing a wave), if at all: settle once the new epoch is visible.
    if (advanced) {
      const before = await batchKeys.currentEpoch(db, orgId, waveId);
      batchKeys.retry(async () => {
        const now = await batchKeys.currentEpoch(batchKeys.db, orgId, waveId);
        if (now === null || before === null || now < before) return false;
        await settleEpochs(batchKeys.db, keys, orgId, waveId);
        return true;
      });
    }
    return result;
  }
  if (!options.flush) return releaseAfterMoving(db, keys, orgId, waveId, options, lockKey, run);
  const result = await db.transaction().execute((trx) => run(trx));
  // The release is committed whatever happens next; a follow-up that fails is tried again.
  if (advanced)
    await settleEpochs(db, keys, orgId, waveId).catch(() =>
      batchKeys.retry(async () => (await settleEpochs(db, keys, orgId, waveId), true)),
    );
  return result;
}

/**
 * A release while the wave stays open, in three short steps on one connection holding the wave's
 * release lock (an advisory lock of the session: other releases, follow-ups and a close wait):
 * 1. the wave moves to the next epoch, in a transaction of its own — its FOR UPDATE waits for the
 *    submits in flight under the current epoch, then holds new ones only until this commits;
 * 2. the boxes sealed under the old epoch (all of them now: none can be added) are released,
 *    while new submits seal under the new epoch meanwhile, held by nothing;
 * 3. the follow-up (settleEpochs) re-seals the ones kept back under the new key and destroys the
 *    old key.
 * Before, the whole release ran under the epoch lock, holding every submit of the wave (about
 * 30 ms in ~110 at 500 answers/s). A crash after 1 leaves old boxes under a key that still
 * exists: the start-up pass re-seals them, as after any release; a release that finds too few
 * old boxes (its count was stale) releases nothing and the follow-up moves them along.
 */
async function releaseAfterMoving(
  db: Kysely<Database>,
  keys: Keys,
  orgId: string,
  waveId: string,
  options: { batchSize?: number },
  lockKey: ReturnType<typeof sql>,
  run: (trx: Transaction<Database>, movedFrom?: number) => Promise<ReleaseResult>,
): Promise<ReleaseResult> {
  const batchKeys = batchKeysOf(keys);
  return db.connection().execute(async (conn) => {
    const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_lock(${lockKey}) as locked`.execute(conn);
    if (!rows[0]?.locked) return { released: 0, stillSealed: -1, unreadable: 0 };
    try {
      const moved = await conn.transaction().execute(async (trx) => {
        const k = await trx
          .selectFrom('waves')
          .innerJoin('surveys', (j) =>
            j.onRef('surveys.org_id', '=', 'waves.org_id').onRef('surveys.id', '=', 'waves.survey_id'),
          )
          .select('surveys.min_group_size as k')
          .where('waves.org_id', '=', orgId)
          .where('waves.id', '=', waveId)
          .executeTakeFirstOrThrow();
        const current = await batchKeys.lock(trx, orgId, waveId);
        // No epoch yet (boxes sealed before epochs existed): the release runs as one transaction.
        if (current === null) return null;
        const { n } = await trx
          .selectFrom('sealed_responses')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('org_id', '=', orgId)
          .where('wave_id', '=', waveId)
          .executeTakeFirstOrThrow();
        if (n < Math.max(2 * k.k, options.batchSize ?? 0)) return { current, n, due: false };
        await batchKeys.advance(trx, orgId, waveId, current, true);
        return { current, n, due: true };
      });
      if (moved === null) return await conn.transaction().execute((trx) => run(trx));
      if (!moved.due) return { released: 0, stillSealed: moved.n, unreadable: 0 };
      const result = await conn
        .transaction()
        .execute((trx) => run(trx, moved.current))
        .finally(() =>
          // Even if the release failed: its old boxes move to the new key, which every later
          // release opens (the next one releases them).
          settleEpochs(conn, keys, orgId, waveId).catch(() =>
            batchKeys.retry(async () => (await settleEpochs(db, keys, orgId, waveId), true)),
          ),
        );
      return result;
    } finally {
      await sql`select pg_advisory_unlock(${lockKey})`.execute(conn);
    }
  });
}

/**
 * After a release commits (or after a crash, at start): re-seals every box of the wave still
 * under an older epoch's key with the current one, in a transaction of its own (so the kept
 * boxes' new versions do not share the release's transaction id), then destroys the older keys.
 * Returns the number of keys destroyed.
 */
export async function settleEpochs(db: Kysely<Database>, keys: Keys, orgId: string, waveId: string): Promise<number> {
  const batchKeys = batchKeysOf(keys);
  const epoch = await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtextextended(${`release:${waveId}`}, 0))`.execute(trx);
    const current = await batchKeys.lock(trx, orgId, waveId, 'share');
    if (current === null) {
      // The wave is gone (its organization deleted, or retention): so are its boxes, except in
      // the WAL and old backups — destroy every key it had. (A wave that still exists without an
      // epoch row is just having its first key written.)
      const wave = await trx
        .selectFrom('waves')
        .select('id')
        .where('org_id', '=', orgId)
        .where('id', '=', waveId)
        .executeTakeFirst();
      return wave ? null : Number.MAX_SAFE_INTEGER;
    }
    const onDisk = await batchKeys.available(orgId, waveId);
    const older = onDisk.filter((e) => e.epoch < current);
    // Nothing to move, but a crash may have left an older epoch's temporary key file behind.
    if (older.length === 0) return current;
    const target = onDisk.find((e) => e.epoch === current);
    if (target) {
      const boxes = await trx
        .selectFrom('sealed_responses')
        .select(['id', 'sealed'])
        .where('org_id', '=', orgId)
        .where('wave_id', '=', waveId)
        .execute();
      // No row lock on the boxes: the advisory lock keeps releases out, and a lock would stamp this
      // transaction's id on every box it does not move. Submits go on meanwhile: the epoch row,
      // share-locked here, names the current epoch, so every box they add is under the current
      // key (one still racing the release saw its new epoch and sealed again), never moved.
      const moved = boxes.flatMap((box) => {
        for (const from of older) {
          const sealed = resealResponse(from.key, target.key, orgId, waveId, box.sealed);
          if (sealed) return [{ id: box.id, sealed }];
        }
        return [];
      });
      if (moved.length > 0)
        await sql`update sealed_responses s set sealed = m.sealed
          from unnest(${moved.map((m) => m.id)}::uuid[], ${moved.map((m) => m.sealed)}::bytea[]) as m(id, sealed)
          where s.org_id = ${orgId} and s.wave_id = ${waveId} and s.id = m.id`.execute(trx);
    }
    return current;
  });
  return epoch === null ? 0 : batchKeys.destroyBelow(orgId, waveId, epoch);
}

// A snapshot's digest names its attributes (SHA-256 of them): the mapping never goes stale, so it
// is kept per wave. Reading every invitation of a wave on each release cost 21 ms at 4,700
// invitations, and grows with the wave; now only a digest not seen yet reads them again.
const knownSnapshots = new Map<string, Map<string, Attributes>>();

async function snapshotsOfWave(trx: Transaction<Database>, orgId: string, waveId: string, reread: boolean) {
  const known = knownSnapshots.get(waveId);
  if (known && !reread) return known;
  const rows = await trx
    .selectFrom('invitations')
    .select('attributes')
    .distinct()
    .where('org_id', '=', orgId)
    .where('wave_id', '=', waveId)
    .execute();
  const snapshots = new Map(rows.map((r) => [snapshotDigest(r.attributes as Attributes), r.attributes as Attributes]));
  if (knownSnapshots.size > 1000) knownSnapshots.clear();
  knownSnapshots.set(waveId, snapshots);
  return snapshots;
}
