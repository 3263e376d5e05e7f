import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/db/embedded.ts';
import { createDb } from '../../src/db/connection.ts';
import { migrateToLatest } from '../../src/db/migrator.ts';
import { freePort } from './ports.ts';

/**
 * The T2 attacker's eyes (SPEC P1): the pages of the database files and the WAL, read with
 * pageinspect, pg_visibility and pg_walinspect — what someone holding the data folder sees.
 */

/**
 * A server as production runs it — full_page_writes on and data checksums on (PostgreSQL 18's
 * initdb default), so a hint-bit write after a checkpoint logs a full-page image — unlike the
 * shared test server, which turns full_page_writes off for speed. Autovacuum is off so that
 * nothing but the code under test and the employees' requests changes a page in the window
 * the test watches (with it on, a broken build could pass by luck).
 */
export async function startProductionLikeDatabase(): Promise<{ url: string; stop: () => Promise<void> }> {
  const server: EmbeddedDatabase = await startEmbeddedPostgres({
    dataDir: await mkdtemp(path.join(tmpdir(), 'quorum-disk-pg-')),
    port: await freePort(),
    password: randomBytes(12).toString('hex'),
    persistent: false,
    settings: { autovacuum: 'off', fsync: 'off' },
  });
  const url = server.urlFor('postgres');
  const db = createDb({ connectionString: url, max: 1 });
  await migrateToLatest(db);
  await db.destroy();
  return { url, stop: server.stop };
}

export interface DiskReader {
  client: pg.Client;
  close(): Promise<void>;
}

export async function diskReader(url: string): Promise<DiskReader> {
  const client = new pg.Client(url);
  await client.connect();
  for (const extension of ['pageinspect', 'pg_visibility', 'pg_walinspect'])
    await client.query(`create extension if not exists ${extension}`);
  return { client, close: () => client.end() };
}

/** A table and every index on it. */
export async function relationsOf(reader: DiskReader, tables: string[]): Promise<string[]> {
  const { rows } = await reader.client.query<{ name: string }>(
    `select c.relname as name from pg_class c where c.relname = any($1)
     union all
     select i.relname from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid
     where t.relname = any($1) order by 1`,
    [tables],
  );
  return rows.map((r) => r.name);
}

/** Every page of every fork (main, free-space map, visibility map) of the relations, raw. */
export type PageSnapshot = Map<string, Buffer>;

export async function snapshotPages(reader: DiskReader, relations: string[]): Promise<PageSnapshot> {
  const pages: PageSnapshot = new Map();
  for (const relation of relations) {
    for (const fork of ['main', 'fsm', 'vm']) {
      const { rows } = await reader.client.query<{ blkno: number; page: Buffer }>(
        `select blkno, get_raw_page($1::text, $2, blkno::int) as page
         from generate_series(0, (pg_relation_size($1::regclass, $2) / current_setting('block_size')::int) - 1) blkno`,
        [relation, fork],
      );
      for (const row of rows) pages.set(`${relation}/${fork}/${row.blkno}`, row.page);
    }
  }
  return pages;
}

export function changedPages(before: PageSnapshot, after: PageSnapshot): string[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys].filter((k) => !before.get(k)?.equals(after.get(k) ?? Buffer.alloc(0))).sort();
}

/** Per heap tuple: its line pointer's state and its infomask (hint bits); per index item: dead. */
export async function tupleStates(reader: DiskReader, table: string): Promise<Map<string, string>> {
  const states = new Map<string, string>();
  const { rows } = await reader.client.query<{
    blkno: number;
    lp: number;
    lp_flags: number;
    t_infomask: number | null;
  }>(
    `select blkno, lp, lp_flags, t_infomask
     from generate_series(0, pg_relation_size($1::regclass) / current_setting('block_size')::int - 1) blkno,
       heap_page_items(get_raw_page($1::text, blkno::int))`,
    [table],
  );
  for (const r of rows) states.set(`${table}(${r.blkno},${r.lp})`, `${r.lp_flags}:${r.t_infomask}`);
  const indexes = (await relationsOf(reader, [table])).filter((r) => r !== table);
  for (const index of indexes) {
    const items = await reader.client.query<{ blkno: number; itemoffset: number; dead: boolean | null }>(
      `select blkno, itemoffset, dead
       from generate_series(1, pg_relation_size($1::regclass) / current_setting('block_size')::int - 1) blkno,
         bt_page_items($1::text, blkno::int)`,
      [index],
    );
    for (const r of items.rows) states.set(`${index}(${r.blkno},${r.itemoffset})`, `dead:${r.dead}`);
  }
  return states;
}

export function changedStates(before: Map<string, string>, after: Map<string, string>): string[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys].filter((k) => before.get(k) !== after.get(k)).sort();
}

/** Heap tuples whose xmin is not yet hinted committed (HEAP_XMIN_COMMITTED, 0x0100). */
export async function unhintedTuples(reader: DiskReader, table: string): Promise<number> {
  const { rows } = await reader.client.query<{ n: number }>(
    `select count(*)::int as n
     from generate_series(0, pg_relation_size($1::regclass) / current_setting('block_size')::int - 1) blkno,
       heap_page_items(get_raw_page($1::text, blkno::int))
     where lp_flags = 1 and t_infomask & 256 = 0`,
    [table],
  );
  return rows[0]!.n;
}

/** Dead line pointers and row versions some transaction replaced or deleted: what a read may prune. */
export async function deadVersions(reader: DiskReader, table: string): Promise<number> {
  const { rows } = await reader.client.query<{ n: number }>(
    `select count(*)::int as n
     from generate_series(0, pg_relation_size($1::regclass) / current_setting('block_size')::int - 1) blkno,
       heap_page_items(get_raw_page($1::text, blkno::int))
     where lp_flags = 3 or (lp_flags = 1 and t_xmax <> '0')`,
    [table],
  );
  return rows[0]!.n;
}

export async function visibilitySummary(
  reader: DiskReader,
  table: string,
): Promise<{ pages: number; allVisible: number; allFrozen: number }> {
  const { rows } = await reader.client.query<{ pages: number; all_visible: number; all_frozen: number }>(
    `select (pg_relation_size($1::regclass) / current_setting('block_size')::int)::int as pages,
       all_visible::int, all_frozen::int from pg_visibility_map_summary($1::regclass)`,
    [table],
  );
  const r = rows[0]!;
  return { pages: r.pages, allVisible: r.all_visible, allFrozen: r.all_frozen };
}

/** A checkpoint, then the WAL position: every page's next hint-bit write now logs a full-page image. */
export async function checkpointAndMark(reader: DiskReader): Promise<string> {
  await reader.client.query('checkpoint');
  const { rows } = await reader.client.query<{ lsn: string }>('select pg_current_wal_insert_lsn()::text as lsn');
  return rows[0]!.lsn;
}

export interface WalBlockRecord {
  relation: string;
  block: number;
  record: string;
}

/**
 * WAL records since `from` that touch a block of one of the relations. A flushed logical message
 * ends the range, so it is never empty and the reads' records (hint-bit images are not flushed
 * by a read) are on disk.
 */
export async function walRecordsOn(
  reader: DiskReader,
  from: string,
  relations: string[] | 'every relation of the app',
): Promise<WalBlockRecord[]> {
  const { rows: end } = await reader.client.query<{ lsn: string }>(
    `select pg_logical_emit_message(false, 'quorum-test', 'end', true)::text as lsn`,
  );
  const { rows } = await reader.client.query<{ relation: string; block: number; record: string }>(
    `select c.relname as relation, b.relblocknumber::int as block, b.resource_manager || '/' || b.record_type as record
     from pg_get_wal_block_info($1, $2) b
     left join pg_class c on pg_relation_filenode(c.oid) = b.relfilenode
     where b.reldatabase = (select oid from pg_database where datname = current_database())
       and ($3::text[] is null or c.relname = any($3))
       -- System catalogs are left out of 'every relation of the app': a backend's first use of a
       -- table reads its catalog rows and may hint those (written by the migrations), a cost of
       -- warming a connection whoever's request it serves.
       and ($3::text[] is not null or c.relnamespace is distinct from 'pg_catalog'::regnamespace)
     order by b.start_lsn`,
    [from, end[0]!.lsn, relations === 'every relation of the app' ? null : relations],
  );
  return rows;
}
