import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

/**
 * PostgreSQL settings that decide what a holder of the database's files and logs (SPEC T2) finds
 * there. The embedded server runs with them; docker-compose.yml passes the same to its server, and
 * docs/privacy.md asks operators of any other server to set them.
 */
export const AT_REST_SETTINGS = {
  // Server logs must not become the link that the tables avoid: no statements, and no bind
  // parameters (token hashes, markers) even for failing ones.
  log_statement: 'none',
  log_min_duration_statement: '-1',
  log_parameter_max_length: '0',
  log_parameter_max_length_on_error: '0',
  // Every submit's commit record carries its time to the microsecond, and a recycled WAL segment is
  // only renamed, so its old records stay readable in pg_wal until overwritten. Unlinking spent
  // segments and keeping the fewest possible bounds how long those times (and the sealed boxes'
  // inserts) stay in the server's files: until the second checkpoint after them, at most
  // 2 × checkpoint_timeout when nothing archives or replicates the WAL.
  wal_recycle: 'off',
  min_wal_size: '32MB',
  checkpoint_timeout: '5min',
} as const satisfies Record<string, string>;

/**
 * The settings of AT_REST_SETTINGS the connected server runs otherwise (a DATABASE_URL server is
 * the operator's), plus WAL archiving, which keeps every record for as long as the archive lives.
 */
export async function settingsAtOdds(db: Kysely<Database>): Promise<string[]> {
  const names = [...Object.keys(AT_REST_SETTINGS), 'archive_mode'];
  const { rows } = await sql<{ name: string; setting: string; unit: string | null }>`
    select name, setting, unit from pg_settings where name = any(${names}::text[])`.execute(db);
  const expected: Record<string, string> = { ...AT_REST_SETTINGS, archive_mode: 'off' };
  // A bare number in either is in the setting's own unit ("-1" ms, "32" MB).
  const odd = rows.filter((r) => normalise(r.setting, r.unit) !== normalise(expected[r.name]!, r.unit));
  return names
    .filter((name) => odd.some((r) => r.name === name))
    .map((name) => `${name}=${odd.find((r) => r.name === name)!.setting} (Quorum expects ${expected[name]})`);
}

const UNIT_FACTORS: Record<string, number> = {
  B: 1,
  kB: 1024,
  MB: 1024 ** 2,
  GB: 1024 ** 3,
  ms: 0.001,
  s: 1,
  min: 60,
  h: 3600,
};

/** One scale for "32MB" as written and "32" with unit "MB" (or "300" with "s") as pg_settings says. */
function normalise(value: string, unit: string | null): string {
  const quantity = /^(-?\d+)([a-zA-Z]*)$/.exec(value);
  if (!quantity) return value;
  const [, count, suffix] = quantity;
  const scale = /^(\d*)([a-zA-Z]+)$/.exec(suffix || (unit ?? ''));
  if (!scale) return count!;
  const factor = UNIT_FACTORS[scale[2]!];
  return factor === undefined ? value : String(Number(count) * Number(scale[1] || 1) * factor);
}
