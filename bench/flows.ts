// Whole respondents through the real routes, N at a time: each opens its link, loads the survey and
// sends its answers, as the JSON API (POST /v1/respond/session → GET /v1/respond/survey → POST
// /v1/respond/submit) or as the HTML pages (GET /s/:token → GET /survey → POST /survey).
import http from 'node:http';
import { randomBytes } from 'node:crypto';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });
const randomIp = () => `10.${[...randomBytes(3)].join('.')}`;

function request(
  base: URL,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: base.hostname, port: base.port, method, path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

const expect = (answer: Answer, status: number, step: string) => {
  if (answer.status !== status) throw new Error(`${step}: ${answer.status} ${answer.body.slice(0, 300)}`);
  return answer;
};

export type Flow = 'api' | 'html';

/** One respondent, start to finish; resolves when the answer is acknowledged. */
export async function respondent(base: URL, flow: Flow, token: string, answers: Record<string, string | number>) {
  const ip = { 'x-forwarded-for': randomIp() };
  if (flow === 'api') {
    const session = expect(
      await request(
        base,
        'POST',
        '/v1/respond/session',
        { ...ip, 'content-type': 'application/json' },
        JSON.stringify({ token }),
      ),
      200,
      'session',
    );
    const auth = {
      ...ip,
      authorization: `Bearer ${(JSON.parse(session.body) as { sessionToken: string }).sessionToken}`,
    };
    expect(await request(base, 'GET', '/v1/respond/survey', auth), 200, 'survey');
    expect(
      await request(
        base,
        'POST',
        '/v1/respond/submit',
        { ...auth, 'content-type': 'application/json' },
        JSON.stringify({ answers }),
      ),
      201,
      'submit',
    );
    return;
  }
  const opened = expect(await request(base, 'GET', `/s/${token}`, ip), 303, 'link');
  const cookie = String(opened.headers['set-cookie']?.[0] ?? '').split(';')[0]!;
  const form = expect(await request(base, 'GET', '/survey', { ...ip, cookie }), 200, 'survey page');
  const submission = /name="submission" value="([^"]+)"/.exec(form.body)?.[1];
  if (!submission) throw new Error('survey page: no submission field');
  const body = new URLSearchParams({
    ...Object.fromEntries(Object.entries(answers).map(([k, v]) => [`q_${k}`, String(v)])),
    submission,
  });
  expect(
    await request(
      base,
      'POST',
      '/survey',
      { ...ip, cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body.toString(),
    ),
    303,
    'send',
  );
}

/** `tokens.length` respondents, `concurrency` at a time; answers/s and latency of a whole respondent. */
export async function runFlow(
  base: URL,
  flow: Flow,
  tokens: string[],
  concurrency: number,
  answers: Record<string, string | number>,
) {
  let next = 0;
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < tokens.length) {
        const token = tokens[next++]!;
        const t0 = performance.now();
        await respondent(base, flow, token, answers);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    rps: tokens.length / seconds,
    p50: latencies[Math.floor(latencies.length / 2)]!,
    p99: latencies[Math.floor(latencies.length * 0.99)]!,
  };
}
