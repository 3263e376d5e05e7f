import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.ts';
import { spawnNode } from '../helpers/process.ts';

let dataDir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'quorum-demo-'));
  // As root the embedded server runs as `postgres`, which must be able to enter the folder.
  await chmod(dataDir, 0o755);
  env = {
    DATA_DIR: dataDir,
    PORT: String(await freePort()),
    EMBEDDED_PG_PORT: String(await freePort()),
    LOG_LEVEL: 'warn',
  };
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

const login = (password: string) =>
  fetch(`http://127.0.0.1:${env.PORT}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ organization: 'demo', email: 'owner@demo.example', password }),
  });

describe('npm start in demo mode (embedded PostgreSQL)', () => {
  it('when started on an empty folder, then it prints demo credentials that log in; SIGTERM stops it cleanly; a restart keeps the data', async () => {
    const first = spawnNode('src/server.ts', [], env);
    const [, password] = await first.waitFor(/password:\s+(\S+)\s+\(generated; kept in/);
    const [, sampleToken] = await first.waitFor(/"token":"(qi_[A-Za-z0-9_-]+)"/);
    expect((await login(password!)).status).toBe(200);
    const session = await fetch(`http://127.0.0.1:${env.PORT}/v1/respond/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: sampleToken }),
    });
    expect(session.status).toBe(200);
    expect(((await session.json()) as { survey: { title: string } }).survey.title).toBe('Weekly pulse');
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    const second = spawnNode('src/server.ts', [], env);
    await second.waitFor(/Quorum is running in demo mode/);
    expect((await login(password!)).status).toBe(200);

    // Graceful shutdown drains: logins already in flight (each ~100 ms of argon2) still complete.
    const inFlight = Array.from({ length: 4 }, () => login(password!));
    await new Promise((r) => setTimeout(r, 30));
    second.child.kill('SIGTERM');
    expect((await Promise.all(inFlight)).map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(await second.exited).toBe(0);
  }, 90_000);

  it('when the environment is invalid, then it exits 1 naming the variable before starting anything', async () => {
    const run = spawnNode('src/server.ts', [], { ...env, MIN_GROUP_SIZE: '1' });
    expect(await run.exited).toBe(1);
    expect(run.output()).toMatch(/MIN_GROUP_SIZE/);
  });
});
