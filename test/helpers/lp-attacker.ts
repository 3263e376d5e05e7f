import * as highsModule from 'highs';
import type { Highs } from 'highs';

// highs ships one CommonJS-style .d.ts for both module systems; under nodenext TypeScript sees its
// default export as the namespace, while at run time it is the loader function.
const loadHighs = highsModule.default as unknown as () => Promise<Highs>;

let highs: Highs | undefined;

export interface Unknown {
  id: string;
  /** What the attacker knows as a maximum (the roster); Infinity when unknown. */
  upper: number;
}

/**
 * The attacker of issue 4, as sdcTable's attack() does it, written apart from the engine: every
 * unknown count is an integer variable in [0, upper], every published number an equation over
 * them; each target (a hidden cell: a sum of unknowns) is minimised and maximised with an exact
 * MIP solver (HiGHS). Returns each target's interval.
 */
export async function attack(
  unknowns: Unknown[],
  published: Array<{ ids: string[]; total: number }>,
  targets: Array<{ id: string; ids: string[] }>,
): Promise<Map<string, [number, number]>> {
  highs ??= await loadHighs();
  const name = new Map(unknowns.map((u, i) => [u.id, `x${i}`]));
  const sum = (ids: string[]) => ids.map((id) => name.get(id)!).join(' + ');
  const constraints = published.filter((p) => p.ids.length > 0).map((p, i) => ` m${i}: ${sum(p.ids)} = ${p.total}`);
  const bounds = unknowns.map((u) => ` 0 <= ${name.get(u.id)} ${Number.isFinite(u.upper) ? `<= ${u.upper}` : ''}`);
  const intervals = new Map<string, [number, number]>();
  for (const target of targets) {
    const solve = (sense: 'Minimize' | 'Maximize') => {
      const model = `${sense}\n obj: ${sum(target.ids)}\nSubject To\n${constraints.length ? constraints.join('\n') : ` c0: ${sum(target.ids)} >= 0`}\nBounds\n${bounds.join('\n')}\nGenerals\n ${[...name.values()].join(' ')}\nEnd`;
      const result = highs!.solve(model, { output_flag: false });
      // The true table satisfies every constraint, so "infeasible or unbounded" can only be unbounded.
      if (/unbounded/i.test(result.Status)) return sense === 'Minimize' ? -Infinity : Infinity;
      if (result.Status !== 'Optimal') throw new Error(`attack LP ${result.Status}:\n${model}`);
      return result.ObjectiveValue;
    };
    intervals.set(target.id, [solve('Minimize'), solve('Maximize')]);
  }
  return intervals;
}
