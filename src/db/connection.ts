import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';
import { nameRegisteredStatements } from './prepared.ts';

const INT8_OID = 20;
const NUMERIC_OID = 1700;
const DATE_OID = 1082;

// pg returns bigint (count(*)) and numeric as strings; every count Quorum makes fits a double.
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID || oid === NUMERIC_OID) return (value: string) => Number(value);
    // A calendar day stays the string 'YYYY-MM-DD': a Date would invent a time and a time zone.
    if (oid === DATE_OID) return (value: string) => value;
    return pg.types.getTypeParser(oid, format);
  },
};

export interface DbOptions {
  connectionString: string;
  max?: number;
  /** Reports may set a statement timeout; the app default keeps runaway queries bounded. */
  statementTimeoutMs?: number;
}

export function createDb({ connectionString, max = 10, statementTimeoutMs = 30_000 }: DbOptions): Kysely<Database> {
  const pool = new pg.Pool({
    connectionString,
    max,
    types,
    connectionTimeoutMillis: 5_000,
    statement_timeout: statementTimeoutMs,
    application_name: 'quorum',
  });
  // A client losing its server (PostgreSQL crash or restart) must not crash the process: idle
  // ones report to the pool, checked-out ones (between statements of a transaction) to
  // themselves, and an 'error' event without a listener is thrown. Callers see the error of
  // their own query; the next checkout reconnects. (Found by test/chaos/postgres-crash.test.ts.)
  pool.on('error', () => {});
  pool.on('connect', (client) => {
    client.on('error', () => {});
    nameRegisteredStatements(client);
  });
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/** True for errors that mean "the database is not reachable right now" rather than a bad query. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: string }).code;
  // connection exception, insufficient resources (disk full, too many connections), admin
  // shutdown, and a statement cancelled by statement_timeout: all "try again later", never a 500.
  if (code && /^(08|53|57P0|57014)/.test(code)) return true;
  if (code && ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND'].includes(code)) return true;
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    error.message,
  );
}

export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = error as { code?: string; constraint?: string } | undefined;
  return e?.code === '23505' && (constraint === undefined || e.constraint === constraint);
}
