import { sql, type Transaction } from 'kysely';
import type { Database, ReleasedAttributes } from '../db/schema.ts';
import type { Answers, SurveyDefinition } from '../surveys/questions.ts';

/** Question id '' counts respondents; value '' counts who answered a question. */
export const RESPONDENTS = '';
export const ANSWERED = '';

export interface Counter {
  combo: ReleasedAttributes;
  questionId: string;
  value: string;
  n: number;
}

/** How a released batch adds to the report counters. Comments (text) are counted, never copied. */
export function countAnswers(
  definition: SurveyDefinition,
  rows: Array<{ combo: ReleasedAttributes; answers: Answers }>,
): Counter[] {
  const counters = new Map<string, Counter>();
  const add = (combo: ReleasedAttributes, questionId: string, value: string) => {
    const key = JSON.stringify([combo, questionId, value]);
    const counter = counters.get(key);
    if (counter) counter.n++;
    else counters.set(key, { combo, questionId, value, n: 1 });
  };
  for (const { combo, answers } of rows) {
    add(combo, RESPONDENTS, ANSWERED);
    for (const q of definition.questions) {
      const answer = answers[q.id];
      if (answer === undefined) continue;
      add(combo, q.id, ANSWERED);
      if (q.type === 'text') continue;
      for (const value of Array.isArray(answer) ? answer : [answer]) add(combo, q.id, String(value));
    }
  }
  return [...counters.values()];
}

export async function addCounters(
  trx: Transaction<Database>,
  orgId: string,
  waveId: string,
  counters: Counter[],
): Promise<void> {
  if (counters.length === 0) return;
  await sql`
    insert into answer_counts as a (org_id, wave_id, combo, question_id, value, n)
    select ${orgId}, ${waveId}, c.combo::jsonb, c.question_id, c.value, c.n
    from unnest(${counters.map((c) => JSON.stringify(c.combo))}::text[], ${counters.map((c) => c.questionId)}::text[], ${counters.map((c) => c.value)}::text[], ${counters.map((c) => c.n)}::int[])
      as c(combo, question_id, value, n)
    on conflict (org_id, wave_id, combo, question_id, value) do update set n = a.n + excluded.n
  `.execute(trx);
}
