import { protect, type Atom, type SolverOptions, type Table } from './disclosure.ts';

/** Runs in a worker thread (patterns.ts): the solver is synchronous, and requests must not wait on it. */
export default async function protectTask({
  atoms,
  tables,
  k,
  forced,
  options,
}: {
  atoms: Atom[];
  tables: Table[];
  k: number;
  forced: string[];
  options?: SolverOptions;
}): Promise<string[]> {
  return [...(await protect(atoms, tables, k, forced, options))];
}
