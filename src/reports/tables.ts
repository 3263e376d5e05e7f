import type { Table } from './disclosure.ts';
import type { GroupCounts } from './metrics.ts';

/** The label of respondents whose value of a dimension was generalised away by the mixer. */
export const NOT_REPORTED = '(not reported)';

export const TOTAL = 'total';
export const oneCell = (dimension: string, value: string) => JSON.stringify([dimension, value]);
export const pairCell = (a: string, va: string, b: string, vb: string) => JSON.stringify([a, va, b, vb]);

export interface Shape {
  reportable: string[];
  pairs: Array<[string, string]>;
}

/** A released attribute combination (over the reportable dimensions) and its counts. */
export interface WaveAtom {
  values: string[];
  counts: GroupCounts;
}

/** The declared pairs over reportable dimensions, each once, in reportable order. */
export function declaredPairs(shape: Shape): Array<[string, string]> {
  const position = (d: string) => shape.reportable.indexOf(d);
  const pairs = new Map<string, [string, string]>();
  for (const [x, y] of shape.pairs) {
    if (x === y || position(x) < 0 || position(y) < 0) continue;
    const pair: [string, string] = position(x) < position(y) ? [x, y] : [y, x];
    pairs.set(JSON.stringify(pair), pair);
  }
  return [...pairs.values()];
}

export function pairDeclared(shape: Shape, a: string, b: string): [string, string] | undefined {
  return declaredPairs(shape).find(([x, y]) => (x === a && y === b) || (x === b && y === a));
}

/**
 * Every table a survey's readers can see for a wave: the total, one breakdown per reportable
 * dimension and one per declared pair. Cells (and the total) exist only where something was
 * released: no atoms, nothing published.
 */
export function tablesOf(shape: Shape, atoms: WaveAtom[]): Table[] {
  const all = atoms.map((_, i) => i);
  const tables: Table[] = all.length ? [{ id: TOTAL, cells: [{ id: TOTAL, atoms: all }] }] : [];
  const partition = (id: string, cellOf: (values: string[]) => string) => {
    const cells = new Map<string, number[]>();
    atoms.forEach((a, i) => {
      const cell = cellOf(a.values);
      cells.set(cell, [...(cells.get(cell) ?? []), i]);
    });
    tables.push({ id, cells: [...cells].map(([cell, members]) => ({ id: cell, atoms: members })) });
  };
  shape.reportable.forEach((d, i) => partition(JSON.stringify([d]), (values) => oneCell(d, values[i]!)));
  for (const [a, b] of declaredPairs(shape)) {
    const [i, j] = [shape.reportable.indexOf(a), shape.reportable.indexOf(b)];
    partition(JSON.stringify([a, b]), (values) => pairCell(a, values[i]!, b, values[j]!));
  }
  return tables;
}
