import { CompiledQuery, type Compilable, type Kysely } from 'kysely';
import type pg from 'pg';
import type { Database } from './schema.ts';

/**
 * Named (server-side prepared) statements for the few statements every employee request runs.
 * PostgreSQL planned the session's five-table join in 0.42 ms and the submit's statement in
 * 0.34 ms, each time, against 0.12 ms to execute the first (pg_stat_statements, bench
 * --pg-stats): a named statement is parsed once per connection and, after a few runs, planned
 * once too. Only statements registered here are named, so their number stays fixed and small
 * (a multi-row insert's text varies with its row count and would fill each backend's memory).
 */
const names = new Map<string, string>();

function register(text: string): void {
  if (!names.has(text)) names.set(text, `quorum_${names.size}`);
}

/** Called once for each new pool client: its registered texts go out as named statements. */
export function nameRegisteredStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (text: unknown, ...rest: unknown[]) => {
    const name = typeof text === 'string' ? names.get(text) : undefined;
    if (name === undefined || !Array.isArray(rest[0])) return query(text, ...rest);
    return query({ name, text, values: rest[0] }, ...rest.slice(1));
  };
}

/**
 * A query compiled once and run with new values: `build` is called with `placeholders` (distinct
 * values) and its parameters must be exactly those, in order, so each call only swaps them.
 * Saves Kysely's per-request building and compiling; the text is registered as a named statement.
 */
export function preparedQuery<A extends unknown[], R>(
  build: (db: Kysely<Database>, ...args: A) => Compilable<R>,
  placeholders: A,
): (db: Kysely<Database>, ...args: A) => CompiledQuery<R> {
  const compiled = new WeakMap<Kysely<Database>, CompiledQuery<R>>();
  return (db, ...args) => {
    let query = compiled.get(db);
    if (!query) {
      query = build(db, ...placeholders).compile();
      const same =
        query.parameters.length === placeholders.length && query.parameters.every((p, i) => p === placeholders[i]);
      if (!same) throw new Error(`a prepared query's parameters are not its placeholders: ${query.sql}`);
      register(query.sql);
      compiled.set(db, query);
    }
    return { ...query, parameters: args };
  };
}

/** A statement written with its own $1…$n (one value used several times is bound once), named as above. */
export function preparedStatement<R>(text: string): (parameters: readonly unknown[]) => CompiledQuery<R> {
  register(text);
  return (parameters) => CompiledQuery.raw(text, [...parameters]) as CompiledQuery<R>;
}
