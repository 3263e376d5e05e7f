import { attributeOf } from '../roster/attributes.ts';
import type { Attributes, ReleasedAttributes } from '../db/schema.ts';

export const OTHER = 'other';

/**
 * Generalises the attributes of one release batch so that every released combination stands for
 * at least k responses (SPEC P1 against T3), keeping as much detail as it can:
 *  1. within each dimension, values held by fewer than k rows become "other";
 *  2. rows keep the longest prefix of the ordered dimensions (most important first) that they
 *     share with at least k-1 others; later dimensions become null ("none");
 *  3. rows with no such prefix form the all-null group; if it is smaller than k, rows are moved
 *     into it from groups that can spare them (or whole groups) until it is not.
 * Batches under k rows (only a tiny wave's final flush) come out all-null.
 */
export function generalise(
  rows: Attributes[],
  dimensions: string[],
  k: number,
  random: () => number = Math.random,
): ReleasedAttributes[] {
  const values = rows.map((row) => dimensions.map((d) => attributeOf(row, d) ?? null));

  dimensions.forEach((_, d) => {
    const counts = countBy(values, (v) => v[d] ?? null);
    for (const v of values) if (v[d] !== null && (counts.get(v[d] ?? null) ?? 0) < k) v[d] = OTHER;
  });

  const level = new Array<number>(rows.length).fill(0);
  let remaining = values.map((_, i) => i);
  for (let j = dimensions.length; j >= 1; j--) {
    const groups = groupBy(remaining, (i) => JSON.stringify(values[i]!.slice(0, j)));
    const keep: number[] = [];
    for (const members of groups.values()) {
      if (members.length >= k) for (const i of members) level[i] = j;
      else keep.push(...members);
    }
    remaining = keep;
  }

  const released = (): (string | null)[][] => values.map((v, i) => v.map((x, d) => (d < level[i]! ? x : null)));
  const allNull = JSON.stringify(dimensions.map(() => null));
  const current = released();
  const combos = groupBy(
    values.map((_, i) => i),
    (i) => JSON.stringify(current[i]),
  );
  let deficit = k - (combos.get(allNull)?.length ?? 0);
  if (deficit > 0 && deficit < k) {
    const donors = [...combos.entries()]
      .filter(([key]) => key !== allNull)
      .map(([, m]) => shuffle(m, random))
      .sort((a, b) => b.length - a.length);
    for (const members of donors) {
      if (deficit <= 0) break;
      const spare = members.length - k;
      const moved = spare > 0 ? members.slice(0, Math.min(spare, deficit)) : [];
      for (const i of moved) level[i] = 0;
      deficit -= moved.length;
    }
    for (const members of donors.reverse()) {
      if (deficit <= 0) break;
      const left = members.filter((i) => level[i] !== 0);
      for (const i of left) level[i] = 0;
      deficit -= left.length;
    }
  }

  return released().map((v) => Object.fromEntries(dimensions.map((d, j) => [d, v[j] ?? null])));
}

function countBy<T>(items: T[], key: (item: T) => string | null): Map<string | null, number> {
  const counts = new Map<string | null, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** Fisher–Yates. */
export function shuffle<T>(items: T[], random: () => number = Math.random): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
