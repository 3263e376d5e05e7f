import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.ts';

/**
 * What a T2 attacker holding the data files reads: every tuple on every page of a table and of its
 * TOAST table (pageinspect), dead ones included, written after `sinceXid`. A TOAST value is read
 * as the list of its chunks' lengths (grouped by chunk_id, in chunk order).
 */
export async function storedLengths(db: Kysely<Database>, table: string, sinceXid: bigint) {
  const { rows: main } = await sql<{ lp_len: number }>`
    select lp_len from generate_series(0, pg_relation_size(${table}::regclass) / current_setting('block_size')::int - 1) blk,
      lateral heap_page_items(get_raw_page(${table}, blk::int))
    where lp_flags = 1 and t_xmin::text::bigint > ${sinceXid}`.execute(db);
  const { rows: toast } = await sql<{ chunks: number[] }>`
    with toast as (select reltoastrelid as rel from pg_class where oid = ${table}::regclass)
    select array_agg(lp_len order by t_attrs[2]) as chunks
    from toast, generate_series(0, pg_relation_size((select rel from toast)) / current_setting('block_size')::int - 1) blk,
      lateral heap_page_item_attrs(get_raw_page((select rel from toast)::regclass::text, blk::int), (select rel from toast))
    where lp_flags = 1 and t_xmin::text::bigint > ${sinceXid}
    group by t_attrs[1]`.execute(db);
  return {
    rows: main.length,
    distinct: [...new Set(main.map((r) => r.lp_len))],
    toastValues: toast.length,
    toastShapes: [...new Set(toast.map((r) => r.chunks.join(',')))],
  };
}

/** Heap insert records between two LSNs, per relation (`<table>` and `<table>:toast`): their tuple lengths. */
export async function walInsertLengths(db: Kysely<Database>, start: string, end: string, tables: string[]) {
  const out = new Map<string, number[]>();
  // Test servers commit asynchronously: make the WAL up to `end` readable.
  await sql`select pg_switch_wal()`.execute(db);
  for (const table of tables) {
    const { rows } = await sql<{ which: string; length: number }>`
      with rels as (
        select ${table} as which, pg_relation_filenode(${table}::regclass) as node
        union all select ${`${table}:toast`}, pg_relation_filenode(reltoastrelid) from pg_class where oid = ${table}::regclass
      )
      select rels.which, b.block_data_length as length
      from pg_get_wal_block_info(${start}::pg_lsn, ${end}::pg_lsn) b join rels on rels.node = b.relfilenode
      where b.resource_manager = 'Heap' and b.record_type like 'INSERT%'
      order by b.start_lsn`.execute(db);
    out.set(table, []);
    out.set(`${table}:toast`, []);
    for (const r of rows) out.get(r.which)!.push(r.length);
  }
  return out;
}

export const currentXid = async (db: Kysely<Database>) =>
  BigInt(
    (await sql<{ xid: string }>`select (pg_current_xact_id()::text::bigint % 4294967296)::text as xid`.execute(db))
      .rows[0]!.xid,
  );
