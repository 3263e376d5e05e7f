import type { App } from '../../src/app.ts';
import { PASSWORD } from './factories.ts';

/** The Origin a browser sends with a form of the app itself (inject's host is localhost:80). */
export const SAME_ORIGIN = 'http://localhost';

const encode = (fields: Record<string, string | string[]>) => {
  const body = new URLSearchParams();
  for (const [key, value] of Object.entries(fields))
    for (const v of Array.isArray(value) ? value : [value]) body.append(key, v);
  return body.toString();
};

/** Cookies a browser would send back after this answer: name=value pairs of its Set-Cookie headers. */
export function cookiesOf(setCookie: string | string[] | undefined): Record<string, string> {
  const all = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  return Object.fromEntries(all.map((c) => c.split(';')[0]!.split('=') as [string, string]));
}

/** Signs in through the dashboard's own form; returns the Cookie header of the session. */
export async function signIn(app: App, organization: string, email: string, password = PASSWORD): Promise<string> {
  const response = await postForm(app, '', '/hr/login', { organization, email, password });
  if (response.statusCode !== 303) throw new Error(`sign-in failed: ${response.statusCode}`);
  return `quorum_session=${cookiesOf(response.headers['set-cookie']).quorum_session}`;
}

export function getPage(app: App, cookie: string, url: string, headers: Record<string, string> = {}) {
  return app.inject({ method: 'GET', url, headers: { ...(cookie ? { cookie } : {}), ...headers } });
}

/** A form POST as a browser sends it from a page of the app: urlencoded, with the app's Origin. */
export function postForm(
  app: App,
  cookie: string,
  url: string,
  fields: Record<string, string | string[]>,
  headers: Record<string, string> = {},
) {
  return app.inject({
    method: 'POST',
    url,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: SAME_ORIGIN,
      ...(cookie ? { cookie } : {}),
      ...headers,
    },
    payload: encode(fields),
  });
}
