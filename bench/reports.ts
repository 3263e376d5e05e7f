// Report latency at scale, beside plain SQL aggregates over the same rows, in the same run:
//   node bench/reports.ts [responses=100000] [releaseBatch=1000]
// Responses are generated, generalised and counted exactly as the mixer does (generalise,
// countAnswers, addCounters), in release batches, then the report routes are timed through the app.
import { sql } from 'kysely';
import { definition, reportData } from './report-data.ts';

const total = Number(process.argv[2] ?? 100_000);
const batch = Number(process.argv[3] ?? 1000);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const { app, survey, wave, auth, loadMs, counterRows, close } = await reportData(total, batch);
try {
  const time = async (fn: () => Promise<unknown>) => {
    const cold = performance.now();
    await fn();
    const coldMs = performance.now() - cold;
    const warm: number[] = [];
    for (let i = 0; i < 7; i++) {
      const s = performance.now();
      await fn();
      warm.push(performance.now() - s);
    }
    return { cold: coldMs, warm: median(warm) };
  };
  const route = (p: string) => async () => {
    const r = await app.inject({ method: 'GET', url: `/v1/reports/surveys/${survey.id}/${p}`, headers: auth });
    if (r.statusCode !== 200) throw new Error(`${p}: ${r.body}`);
  };
  const likertAvgs = Array.from({ length: 16 }, (_, i) => `avg((answers->>'q${i + 1}')::int)`).join(', ');
  const baselineOverview = () =>
    sql.raw(`select count(*), ${likertAvgs} from responses where wave_id = '${wave.id}'`).execute(app.db);
  const baselineBreakdown = () =>
    sql
      .raw(
        `select attributes->>'department', count(*), ${likertAvgs} from responses where wave_id = '${wave.id}' group by 1`,
      )
      .execute(app.db);

  const results = {
    baselineOverview: await time(baselineOverview),
    overview: await time(route('overview')),
    baselineBreakdown: await time(baselineBreakdown),
    breakdown: await time(route('breakdown?dimension=department')),
    pair: await time(route('breakdown?dimension=department&by=location')),
    heatmap: await time(route('heatmap?dimension=department&columns=theme')),
    trend: await time(route('trend')),
    comments: await time(route('comments?question=comment')),
  };
  console.log(
    `responses: ${total} × ${definition.questions.length} questions; release batches of ${batch}; load ${(loadMs / 1000).toFixed(1)} s; ${counterRows} counter rows`,
  );
  console.log(
    '(overview cold = the first report after new data: it computes every suppression pattern, off the event loop; later reports read them from the cache)',
  );
  for (const [name, r] of Object.entries(results)) {
    const base = name.startsWith('baseline')
      ? ''
      : name === 'breakdown' || name === 'pair' || name === 'heatmap'
        ? results.baselineBreakdown.warm
        : results.baselineOverview.warm;
    console.log(
      `${name.padEnd(18)} cold ${r.cold.toFixed(1).padStart(8)} ms   warm ${r.warm.toFixed(1).padStart(8)} ms${base === '' ? '' : `   baseline/this ${(Number(base) / r.warm).toFixed(2)}`}`,
    );
  }
} finally {
  await close();
}
