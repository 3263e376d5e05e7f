import { afterEach, describe, expect, it } from 'vitest';
import { loadEnvConfig, toAppConfig } from '../../src/config.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { buildOrganization, PASSWORD } from '../helpers/factories.ts';

let t: TestApp | undefined;
afterEach(() => t?.close());

/** The Secure attribute the server derives from PUBLIC_URL, as server.ts derives it. */
async function sessionCookieFor(env: NodeJS.ProcessEnv): Promise<string> {
  const { cookieSecure, publicUrl } = toAppConfig(loadEnvConfig(env), {
    databaseUrl: 'unused',
    tokenPepper: Buffer.alloc(32),
  });
  t = await buildTestApp({ config: { cookieSecure, publicUrl } });
  const org = await buildOrganization(t.app);
  const response = await t.app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    payload: { organization: org.slug, email: org.ownerEmail, password: PASSWORD },
  });
  expect(response.statusCode).toBe(200);
  const cookies = ([] as string[]).concat(response.headers['set-cookie'] ?? []);
  return cookies.find((c) => c.startsWith('quorum_session='))!;
}

describe('session cookies follow PUBLIC_URL', () => {
  it('when PUBLIC_URL is plain http on a LAN address, then the session cookie is not Secure (browsers would drop it)', async () => {
    expect(await sessionCookieFor({ PUBLIC_URL: 'http://192.168.1.20:3000' })).not.toMatch(/;\s*Secure/i);
  });

  it('when PUBLIC_URL is https, then the session cookie is Secure', async () => {
    expect(await sessionCookieFor({ PUBLIC_URL: 'https://survey.acme.example' })).toMatch(/;\s*Secure/i);
  });

  it('when PUBLIC_URL is the http://localhost default, then the session cookie stays Secure', async () => {
    expect(await sessionCookieFor({})).toMatch(/;\s*Secure/i);
  });
});
