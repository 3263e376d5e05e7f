import { createHmac, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { mkdir, link, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Keys } from '../crypto/tokens.ts';

/**
 * Crypto-shredding of released answers (SPEC P1, T3). Each wave's boxes are sealed under the key
 * of its current *epoch*; a release opens the batch, re-seals the k boxes it keeps back under the
 * next epoch's key, and once that is committed the old epoch's key is destroyed. The dead box
 * tuples, the WAL records and any backup taken after that hold ciphertext nobody can open, even
 * with TOKEN_PEPPER.
 *
 * Where the key lives decides whether it can be destroyed. Anything PostgreSQL stores — even
 * wrapped by the pepper — reaches the WAL and the backups, where T3 can unwrap it for as long as
 * they live. So each epoch's 32 random bytes are a file of their own outside PostgreSQL
 * (BOX_KEY_DIR), fsynced with their directory before any box sealed under them can be
 * acknowledged, and unlinked after the release commits. PostgreSQL keeps only the epoch number
 * (sealed_box_epochs), which opens nothing. The box key also mixes in the pepper, so the key
 * files alone (T2 copying the data folder) open nothing either.
 */
export interface Epoch {
  epoch: number;
  key: KeyObject;
}

// A key file, or the temporary one it was written through: a crash between link() and unlink()
// leaves that second name holding the same key, so it must be destroyed with it.
const FILE = /^([0-9a-f-]{36})\.(\d+)\.key(\.[0-9a-f]+\.tmp)?$/;

export class BatchKeys {
  readonly dir: string;
  /** The app's pool: follow-ups run after a caller's transaction, which cannot be used once committed. */
  readonly db: Kysely<Database>;
  readonly #keys: Keys;
  readonly #cache = new Map<string, Epoch>();
  readonly #creating = new Map<string, Promise<void>>();
  readonly #reading = new Map<string, Promise<Epoch>>();
  /** Bumped whenever a wave's cached epoch is dropped: a read begun before must not cache it again. */
  readonly #generation = new Map<string, number>();
  /** The next epoch whose key prepareNext made durable, per wave (a release then skips the fsyncs). */
  readonly #prepared = new Map<string, number>();
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(keys: Keys, dir: string, db: Kysely<Database>) {
    this.#keys = keys;
    this.dir = dir;
    this.db = db;
  }

  /** The epoch boxes of this wave are sealed under now (creating epoch 0's key on first use). */
  async sealing(db: Kysely<Database>, orgId: string, waveId: string): Promise<Epoch> {
    const cached = this.#cache.get(waveId);
    if (cached) return cached;
    // After a release every submit in flight misses the cache at once: one read serves them all.
    let reading = this.#reading.get(waveId);
    if (!reading) {
      const started = this.#readEpoch(db, orgId, waveId).finally(() => {
        if (this.#reading.get(waveId) === started) this.#reading.delete(waveId);
      });
      this.#reading.set(waveId, (reading = started));
    }
    return reading;
  }

  #drop(waveId: string): void {
    this.#cache.delete(waveId);
    this.#reading.delete(waveId);
    this.#generation.set(waveId, (this.#generation.get(waveId) ?? 0) + 1);
  }

  async #readEpoch(db: Kysely<Database>, orgId: string, waveId: string): Promise<Epoch> {
    const generation = this.#generation.get(waveId) ?? 0;
    let epoch = await this.#epochOf(db, orgId, waveId);
    if (epoch === null) {
      // Only an open wave gets a first key: a late session of a closed one would otherwise leave
      // a key file and an epoch row behind, timed to its refused try (issue 16 audit).
      const wave = await db
        .selectFrom('waves')
        .select('status')
        .where('org_id', '=', orgId)
        .where('id', '=', waveId)
        .executeTakeFirst();
      if (wave?.status !== 'open') throw new Error(`wave ${waveId} is not open: nothing may be sealed for it`);
      // (A wave opened before its opening made the first key: BatchKeys.firstEpoch.)
      await this.firstEpoch(db, orgId, waveId);
      epoch = (await this.#epochOf(db, orgId, waveId))!;
    }
    const key = await this.#read(orgId, waveId, epoch);
    if (!key) throw new Error(`the key of epoch ${epoch} of wave ${waveId} is missing from ${this.dir}`);
    const current = { epoch, key };
    if ((this.#generation.get(waveId) ?? 0) === generation) this.#cache.set(waveId, current);
    return current;
  }

  /**
   * A wave's first key and epoch row, made as the wave opens, inside its transaction: a key file
   * made by the first submit instead would tell, by that submit's time (a file written and
   * fsynced) and the file's own, whether and when anyone had answered. A key left by an opening
   * that rolls back opens nothing and goes at the next start.
   */
  async firstEpoch(db: Kysely<Database>, orgId: string, waveId: string): Promise<void> {
    await this.#createFirst(orgId, waveId);
    await db
      .insertInto('sealed_box_epochs')
      .values({ org_id: orgId, wave_id: waveId, epoch: 0 })
      .onConflict((c) => c.doNothing())
      .execute();
  }

  /**
   * The wave's current key read ahead, on the open-waves view's clock: a submit that had to read
   * it would take longer than the next, telling whoever submits that no one did on this instance
   * since the wave opened or its last release (issue 16 audit). Makes no first key: the opening
   * does (a key made here could outlive a close racing it).
   */
  async prime(orgId: string, waveId: string, epoch: number | null): Promise<void> {
    if (epoch === null || this.#cache.get(waveId)?.epoch === epoch) return;
    // Read with the view, perhaps before a release moved on: a submit sealing under an older
    // epoch is told so by its own statement and seals again (as after any release).
    const generation = this.#generation.get(waveId) ?? 0;
    const key = await this.#read(orgId, waveId, epoch);
    if (key && (this.#generation.get(waveId) ?? 0) === generation) this.#cache.set(waveId, { epoch, key });
  }

  /** A submit sealed under a stale epoch (a release came between): forget it and ask again. */
  forget(waveId: string): void {
    this.#drop(waveId);
  }

  /**
   * First in a release's transaction: locks the epoch row (FOR UPDATE waits for every submit
   * holding it FOR SHARE, so their boxes are visible to the release's next statement, and blocks
   * new ones until the release commits). Null when nothing was sealed under an epoch yet.
   * `share` (the follow-up that re-seals kept boxes): the row must not move, but submits, which
   * seal under the current epoch the follow-up leaves alone, need not wait.
   */
  async lock(
    trx: Transaction<Database>,
    orgId: string,
    waveId: string,
    mode: 'update' | 'share' = 'update',
  ): Promise<number | null> {
    const query = trx
      .selectFrom('sealed_box_epochs')
      .select('epoch')
      .where('org_id', '=', orgId)
      .where('wave_id', '=', waveId);
    const row = await (mode === 'update' ? query.forUpdate() : query.forShare()).executeTakeFirst();
    return row?.epoch ?? null;
  }

  /**
   * Before a release's transaction: makes the key of the epoch after the current one durable, so
   * the release does not fsync two files while every submit of the wave waits on its lock. Never
   * replaces a file (link): a key that exists may already seal boxes, if another release moved
   * the wave on meanwhile. An unused next key opens nothing and is reused by the next release.
   */
  async prepareNext(db: Kysely<Database>, orgId: string, waveId: string): Promise<void> {
    const current = this.#cache.get(waveId)?.epoch ?? (await this.#epochOf(db, orgId, waveId));
    if (current === null || this.#prepared.get(waveId) === current + 1) return;
    await this.#write(orgId, waveId, current + 1, true);
    this.#prepared.set(waveId, current + 1);
  }

  /**
   * Moves the wave to the next epoch, in the release's transaction, with a fresh durable key when
   * boxes stay behind. A file for the next epoch can only be left over from a release that never
   * committed (the row still names the current one), so nothing was sealed under it.
   */
  async advance(trx: Transaction<Database>, orgId: string, waveId: string, current: number, needKey: boolean) {
    const next = current + 1;
    // prepareNext left the file durable in its directory (linked after its fsync, directory
    // fsynced): it can be used as it is. Otherwise nothing sealed under `next` yet (the row names
    // `current`, under this release's lock), so a leftover file may be replaced.
    if (needKey && this.#prepared.get(waveId) !== next) await this.#write(orgId, waveId, next, false);
    // Nothing kept back (a close): a key prepared for `next` would never seal anything.
    if (!needKey) await this.discardNext(orgId, waveId, current);
    this.#prepared.delete(waveId);
    await trx
      .updateTable('sealed_box_epochs')
      .set({ epoch: next })
      .where('org_id', '=', orgId)
      .where('wave_id', '=', waveId)
      .execute();
    this.#drop(waveId);
  }

  /**
   * A closing wave seals nothing more: the key prepareNext may have left for the epoch after
   * `current` is removed, so no key of a released wave stays behind. (It never sealed anything.)
   */
  async discardNext(orgId: string, waveId: string, current: number): Promise<void> {
    this.#prepared.delete(waveId);
    await unlink(this.#file(orgId, waveId, current + 1)).catch(() => {});
  }

  /** Every key of the wave still on disk, newest first (older ones only until their boxes moved on). */
  async available(orgId: string, waveId: string): Promise<Epoch[]> {
    const epochs = (await readdir(path.join(this.dir, orgId)).catch(() => [] as string[]))
      .map((name) => FILE.exec(name))
      .filter((m): m is RegExpExecArray => m !== null && m[1] === waveId && m[3] === undefined)
      .map((m) => Number(m[2]))
      .sort((a, b) => b - a);
    const found: Epoch[] = [];
    for (const epoch of epochs) {
      const key = await this.#read(orgId, waveId, epoch);
      if (key) found.push({ epoch, key });
    }
    return found;
  }

  async currentEpoch(db: Kysely<Database>, orgId: string, waveId: string): Promise<number | null> {
    return this.#epochOf(db, orgId, waveId);
  }

  /** Destroys the keys of the wave's epochs before `epoch`: unlinked, and the directory fsynced. */
  async destroyBelow(orgId: string, waveId: string, epoch: number): Promise<number> {
    this.#drop(waveId);
    if (epoch === Number.MAX_SAFE_INTEGER) this.#prepared.delete(waveId);
    const dir = path.join(this.dir, orgId);
    let removed = 0;
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const m = FILE.exec(name);
      if (m && m[1] === waveId && Number(m[2]) < epoch) {
        await unlink(path.join(dir, name)).catch(() => {});
        removed++;
      }
    }
    if (removed) await syncDirectory(dir);
    return removed;
  }

  /**
   * An organization deleted: every key of its waves goes with it at once, so what it left in
   * WAL archives and backups never opens again (issue 16 audit: they waited for the next start,
   * which still destroys what a crash here left).
   */
  async destroyOrganization(orgId: string): Promise<void> {
    const dir = path.join(this.dir, orgId);
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      const m = FILE.exec(name);
      if (m) this.#drop(m[1]!);
      await unlink(path.join(dir, name)).catch(() => {});
    }
    if (names.length) await syncDirectory(dir);
  }

  /** Every wave with a key on disk (at start: settle those a crash left with an older key). */
  async wavesWithKeys(): Promise<Array<{ orgId: string; waveId: string }>> {
    const waves = new Map<string, { orgId: string; waveId: string; files: number }>();
    for (const orgId of await readdir(this.dir).catch(() => [] as string[]))
      for (const name of await readdir(path.join(this.dir, orgId)).catch(() => [] as string[])) {
        const m = FILE.exec(name);
        if (!m) continue;
        const wave = waves.get(m[1]!) ?? { orgId, waveId: m[1]!, files: 0 };
        wave.files++;
        waves.set(m[1]!, wave);
      }
    return [...waves.values()].map(({ orgId, waveId }) => ({ orgId, waveId }));
  }

  /** Runs `task` again every 200 ms until it reports done (a caller's transaction committed), for a minute at most. */
  retry(task: () => Promise<boolean>, tries = 300): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      task().then(
        (done) => {
          if (!done && tries > 1) this.retry(task, tries - 1);
        },
        () => {
          if (tries > 1) this.retry(task, tries - 1);
        },
      );
    }, 200);
    timer.unref();
    this.#timers.add(timer);
  }

  close(): void {
    for (const timer of this.#timers) clearTimeout(timer);
  }

  /** The box key: the epoch's random bytes under the pepper-derived key, bound to its wave and epoch. */
  #derive(orgId: string, waveId: string, epoch: number, secret: Buffer): KeyObject {
    return createSecretKey(
      createHmac('sha256', this.#keys['sealed-box'])
        .update(`batch-key:${orgId}:${waveId}:${epoch}:`)
        .update(secret)
        .digest(),
    );
  }

  async #epochOf(db: Kysely<Database>, orgId: string, waveId: string): Promise<number | null> {
    const row = await db
      .selectFrom('sealed_box_epochs')
      .select('epoch')
      .where('org_id', '=', orgId)
      .where('wave_id', '=', waveId)
      .executeTakeFirst();
    return row?.epoch ?? null;
  }

  #file(orgId: string, waveId: string, epoch: number) {
    return path.join(this.dir, orgId, `${waveId}.${epoch}.key`);
  }

  async #read(orgId: string, waveId: string, epoch: number): Promise<KeyObject | null> {
    const secret = await readFile(this.#file(orgId, waveId, epoch)).catch(() => null);
    return secret?.length === 32 ? this.#derive(orgId, waveId, epoch, secret) : null;
  }

  // Two instances (or two submits) may race to create epoch 0: link() refuses to replace a file,
  // so exactly one key wins and everyone reads that one.
  async #createFirst(orgId: string, waveId: string): Promise<void> {
    let pending = this.#creating.get(waveId);
    if (!pending) {
      pending = this.#write(orgId, waveId, 0, true)
        .then(() => {})
        .finally(() => this.#creating.delete(waveId));
      this.#creating.set(waveId, pending);
    }
    await pending;
  }

  /** Writes an epoch's key durably: a temporary file, fsynced, moved into place, directory fsynced. */
  async #write(orgId: string, waveId: string, epoch: number, keepExisting: boolean): Promise<KeyObject> {
    const dir = path.join(this.dir, orgId);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const final = this.#file(orgId, waveId, epoch);
    const temporary = `${final}.${randomBytes(6).toString('hex')}.tmp`;
    const secret = randomBytes(32);
    const handle = await open(temporary, 'wx', 0o600);
    try {
      await handle.writeFile(secret);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (keepExisting) {
      try {
        await link(temporary, final);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      } finally {
        await unlink(temporary);
      }
    } else await rename(temporary, final);
    await syncDirectory(dir);
    const key = await this.#read(orgId, waveId, epoch);
    if (!key) throw new Error(`could not read back the key of epoch ${epoch} of wave ${waveId}`);
    return key;
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

// The mixer and the submit path receive the app's Keys (their callers predate epochs); the one
// BatchKeys of those Keys is registered by the db plugin.
const registry = new WeakMap<Keys, BatchKeys>();

export function registerBatchKeys(keys: Keys, dir: string, db: Kysely<Database>): BatchKeys {
  const store = new BatchKeys(keys, dir, db);
  registry.set(keys, store);
  return store;
}

export function batchKeysOf(keys: Keys): BatchKeys {
  const store = registry.get(keys);
  if (!store) throw new Error('no BatchKeys registered for these keys (registerBatchKeys in the db plugin)');
  return store;
}
