import * as highsModule from 'highs';
import type { Highs } from 'highs';

// highs ships one CommonJS-style .d.ts for both module systems; under nodenext TypeScript sees its
// default export as the namespace, while at run time it is the loader function.
const loadHighs = highsModule.default as unknown as () => Promise<Highs>;
import type { Cell } from '../../src/reports/disclosure.ts';

let highs: Highs | undefined;

/**
 * The attacker of issue 4, as sdcTable's attack() does it: every published cell and margin is a
 * linear constraint, every hidden cell an integer variable in [0, upper]; minimise and maximise
 * each hidden cell with an exact MIP solver (HiGHS). Returns each hidden cell's interval.
 */
export async function attack(cells: Cell[], margins: Array<{ cells: string[]; total: number }>, hidden: Set<string>): Promise<Map<string, [number, number]>> {
  highs ??= await loadHighs();
  const name = new Map([...hidden].map((id, i) => [id, `x${i}`]));
  const known = new Map(cells.filter((c) => !hidden.has(c.id)).map((c) => [c.id, c.n]));
  const constraints: string[] = [];
  margins.forEach((m, i) => {
    const vars = m.cells.filter((id) => hidden.has(id)).map((id) => name.get(id)!);
    if (vars.length === 0) return;
    const rest = m.total - m.cells.filter((id) => !hidden.has(id)).reduce((s, id) => s + known.get(id)!, 0);
    constraints.push(` m${i}: ${vars.join(' + ')} = ${rest}`);
  });
  const bounds = cells.filter((c) => hidden.has(c.id)).map((c) => ` 0 <= ${name.get(c.id)} ${Number.isFinite(c.upper) ? `<= ${c.upper}` : ''}`);
  const intervals = new Map<string, [number, number]>();
  for (const [id, x] of name) {
    const solve = (sense: 'Minimize' | 'Maximize') => {
      const model = `${sense}\n obj: ${x}\nSubject To\n${constraints.length ? constraints.join('\n') : ` c0: ${x} >= 0`}\nBounds\n${bounds.join('\n')}\nGenerals\n ${[...name.values()].join(' ')}\nEnd`;
      const result = highs!.solve(model, { output_flag: false });
      // The true table satisfies every constraint, so "infeasible or unbounded" can only be unbounded.
      if (/unbounded/i.test(result.Status)) return sense === 'Minimize' ? -Infinity : Infinity;
      if (result.Status !== 'Optimal') throw new Error(`attack LP ${result.Status}:\n${model}`);
      return result.ObjectiveValue;
    };
    intervals.set(id, [solve('Minimize'), solve('Maximize')]);
  }
  return intervals;
}
