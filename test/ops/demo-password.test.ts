import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.ts';
import { spawnNode } from '../helpers/process.ts';

/**
 * Issue 11, item 6: the README's loop restarts `npm start` (with SMTP_URL) after a first start and
 * says "note the owner password it prints": every start must print it while it still works.
 */
let dataDir: string;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'quorum-demo-password-'));
  await chmod(dataDir, 0o755);
  env = {
    DATA_DIR: dataDir,
    PORT: String(await freePort()),
    EMBEDDED_PG_PORT: String(await freePort()),
    LOG_LEVEL: 'warn',
    SCHEDULER_INTERVAL_SECONDS: '0',
  };
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

const base = () => `http://127.0.0.1:${env.PORT}`;
const login = (password: string) =>
  fetch(`${base()}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ organization: 'demo', email: 'owner@demo.example', password }),
  });

async function start(): Promise<{ banner: string; stop: () => Promise<number | null> }> {
  const server = spawnNode('src/server.ts', [], env);
  await server.waitFor(/Try it:[\s\S]*"password":"[^"]*"/, 60_000);
  return {
    banner: server.output(),
    stop: async () => {
      server.child.kill('SIGTERM');
      return server.exited;
    },
  };
}

const shownPassword = (banner: string) => /password:\s+(\S+)\s+\(generated; kept in/.exec(banner)?.[1];

describe('the demo owner password across restarts', () => {
  it('when the server is started twice, then both starts print the same working password, kept 0600 in secrets.json', async () => {
    const first = await start();
    const password = shownPassword(first.banner);
    expect(password).toBeDefined();
    expect(await first.stop()).toBe(0);

    const second = await start();
    expect(shownPassword(second.banner)).toBe(password);
    expect(second.banner).toContain(`"password":"${password}"`);
    expect((await login(password!)).status).toBe(200);
    expect(await second.stop()).toBe(0);

    const file = path.join(dataDir, 'secrets.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ demoOwnerPassword: password });
  }, 120_000);

  it('when the owner has changed the password, then the next start does not print the old one and shows the reset command', async () => {
    const password = JSON.parse(await readFile(path.join(dataDir, 'secrets.json'), 'utf8')).demoOwnerPassword as string;
    const running = await start();
    const token = ((await (await login(password)).json()) as { token: string }).token;
    const changed = await fetch(`${base()}/v1/accounts/me/password`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ currentPassword: password, newPassword: 'a brand new owner passphrase' }),
    });
    expect(changed.status).toBe(204);
    expect(await running.stop()).toBe(0);

    const next = await start();
    expect(shownPassword(next.banner)).toBeUndefined();
    expect(next.banner).not.toContain(password);
    expect(next.banner).toMatch(
      /changed since it was generated.*reset-password --org demo --email owner@demo\.example/,
    );
    // The replaced password is no longer kept on disk either.
    expect(await readFile(path.join(dataDir, 'secrets.json'), 'utf8')).not.toContain(password);
    expect(await next.stop()).toBe(0);
  }, 120_000);
});
