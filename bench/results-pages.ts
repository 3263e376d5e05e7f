// The HR dashboard's results pages at scale, each beside the report API route that serves the
// same numbers, in the same run, on the same data as reports.ts:
//   node bench/results-pages.ts [responses=100000] [releaseBatch=1000]
// Every page and route is read through the app (inject) with the owner's session: once cold, then
// the median of N warm reads. The page's time includes the API's work (the same service) plus
// rendering; the ratio page/API is what the dashboard adds.
import { loadavg } from 'node:os';
import { reportData } from './report-data.ts';

const total = Number(process.argv[2] ?? 100_000);
const batch = Number(process.argv[3] ?? 1000);
const N = 15;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const { app, survey, auth, loadMs, close } = await reportData(total, batch);
try {
  const login = await app.inject({
    method: 'POST',
    url: '/hr/login',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost' },
    payload: new URLSearchParams({
      organization: 'bench',
      email: 'o@bench.example',
      password: 'benchmark-password',
    }).toString(),
  });
  if (login.statusCode !== 303) throw new Error(`sign-in: ${login.statusCode} ${login.body}`);
  const session = [login.headers['set-cookie']].flat().find((c) => c?.startsWith('quorum_session='))!;
  const cookie = session.split(';')[0]!;

  const read = (url: string, headers: Record<string, string>) => async () => {
    const r = await app.inject({ method: 'GET', url, headers });
    if (r.statusCode !== 200) throw new Error(`${url}: ${r.statusCode} ${r.body.slice(0, 300)}`);
    return r.body.length;
  };
  const time = async (fn: () => Promise<number>) => {
    const s = performance.now();
    const bytes = await fn();
    const cold = performance.now() - s;
    const warm: number[] = [];
    for (let i = 0; i < N; i++) {
      const t = performance.now();
      await fn();
      warm.push(performance.now() - t);
    }
    return { cold, warm: median(warm), bytes };
  };
  const page = (p: string) => read(`/hr/surveys/${survey.id}/results${p}`, { cookie });
  const api = (p: string) => read(`/v1/reports/surveys/${survey.id}/${p}`, auth);
  // Warm the survey's suppression patterns first (the first report after new data computes them).
  await api('overview?wave=1')();
  const pairs: Array<[string, string, string]> = [
    ['overview', '?wave=1', 'overview?wave=1'],
    ['breakdown (heatmap)', '/breakdown?dimension=department&wave=1', 'breakdown?dimension=department&wave=1'],
    [
      'declared pair (heatmap)',
      '/breakdown?dimension=department&by=location&wave=1',
      'breakdown?dimension=department&by=location&wave=1',
    ],
    ['trend', '/trend', 'trend'],
    ['trend by dimension', '/trend?dimension=department', 'trend?dimension=department'],
    ['comments', '/comments?question=comment&wave=1', 'comments?question=comment&wave=1'],
    ['overview.csv', '/overview.csv?wave=1', 'overview?wave=1'],
  ];
  const rows = [];
  for (const [name, p, route] of pairs) {
    const apiTime = await time(api(route));
    const pageTime = await time(page(p));
    rows.push({ name, page: pageTime, api: apiTime });
  }
  console.log(
    `results pages: ${total} responses, release batches of ${batch}; load ${(loadMs / 1000).toFixed(1)} s; warm = median of ${N}; load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  console.log('page                       page warm   API warm   page/API   page KB   target ≤ 100 ms');
  for (const r of rows)
    console.log(
      `${r.name.padEnd(26)} ${r.page.warm.toFixed(1).padStart(7)} ms ${r.api.warm.toFixed(1).padStart(7)} ms ${(r.page.warm / r.api.warm).toFixed(2).padStart(8)}  ${(r.page.bytes / 1024).toFixed(0).padStart(8)}   ${r.page.warm <= 100 ? 'met' : 'NOT met'}`,
    );
} finally {
  await close();
}
