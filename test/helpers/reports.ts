import type { App } from '../../src/app.ts';
import { bearer } from './factories.ts';

export async function report(
  app: App,
  token: string,
  surveyId: string,
  path: string,
  query: Record<string, string | number> = {},
) {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString();
  return app.inject({
    method: 'GET',
    url: `/v1/reports/surveys/${surveyId}/${path}${qs ? `?${qs}` : ''}`,
    headers: bearer(token),
  });
}

/** Every respondent count and per-question n anywhere in a report body. */
export function publishedCounts(body: unknown): number[] {
  const found: number[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if ((key === 'respondents' || key === 'n' || key === 'answers') && typeof value === 'number') found.push(value);
        else walk(value);
      }
    }
  };
  walk(body);
  return found;
}
