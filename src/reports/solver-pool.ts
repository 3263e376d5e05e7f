import type { Piscina } from 'piscina';
import { ServiceUnavailable } from '../errors.ts';
import type { Atom, SolverOptions, Table } from './disclosure.ts';

/**
 * Limits on the solver: HiGHS options for every solve, and the longest one protection may take on
 * its thread before the thread is stopped. Tests set them (e.g. a time limit of 0) to make the
 * solver stop early; whatever stops it, the report answers 503 and publishes nothing (SPEC P9).
 */
export const solverLimits: { options: SolverOptions; timeoutMs: number } = { options: {}, timeoutMs: 60_000 };

/** The disclosure engine could not prove a pattern: no report until it can. */
export class DisclosureUnavailable extends ServiceUnavailable {
  constructor(cause: unknown) {
    super(
      'disclosure-unavailable',
      'The report could not be checked for small groups just now; please retry shortly.',
      5,
    );
    this.cause = cause;
  }
}

let pool: Piscina | undefined;

/**
 * Protects one family (disclosure.ts) on the solver's thread. The solver runs synchronously for up
 * to a few hundred milliseconds per model, so it runs on one worker thread: the event loop keeps
 * serving employees' answers meanwhile. A family with nothing to hide needs no solver and no thread.
 */
export async function protectOnThread(
  atoms: Atom[],
  tables: Table[],
  k: number,
  forced: string[],
  primary: boolean,
): Promise<Set<string>> {
  const small =
    primary &&
    tables.some((t) => t.cells.some((c) => c.atoms.length > 0 && c.atoms.reduce((s, a) => s + atoms[a]!.n, 0) < k));
  if (!small && forced.length === 0) return new Set();
  // Loaded on the first family that needs the solver (most processes never start its thread).
  // Awaited before `??=`: two first callers must not each make a pool.
  const { Piscina: Pool } = await import('piscina');
  pool ??= new Pool({
    filename: new URL('./disclosure-worker.ts', import.meta.url).href,
    minThreads: 0,
    maxThreads: 1,
    idleTimeout: 30_000,
  });
  const running = pool;
  try {
    // Aborting a running task stops its thread: a solve past the limit cannot hold the pool.
    const task = { atoms, tables, k, forced, primary, options: solverLimits.options };
    return new Set<string>(await running.run(task, { signal: AbortSignal.timeout(solverLimits.timeoutMs) }));
  } catch (error) {
    // A solver that stopped short (Unproven), threw, ran out of memory or time, or a thread that
    // died: no pattern was proven, so none is used (and none cached).
    throw new DisclosureUnavailable(error);
  }
}

/** Stops the solver's thread (the app's onClose). */
export async function closeSolver(): Promise<void> {
  const running = pool;
  pool = undefined;
  await running?.destroy();
}
