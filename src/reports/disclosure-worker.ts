import { protect, type Atom, type SolverOptions, type Table } from './disclosure.ts';

/** Runs in a worker thread (solver-pool.ts): the solver is synchronous, and requests must not wait on it. */
export default async function protectTask({
  atoms,
  tables,
  k,
  forced,
  primary,
  options,
}: {
  atoms: Atom[];
  tables: Table[];
  k: number;
  forced: string[];
  primary?: boolean;
  options?: SolverOptions;
}): Promise<string[]> {
  return [...(await protect(atoms, tables, k, forced, options, { primary: primary ?? true }))];
}
