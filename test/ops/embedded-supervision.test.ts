import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.ts';
import { spawnNode, type Spawned } from '../helpers/process.ts';

/**
 * Issue 11, items 3 and 4: the demo server's embedded PostgreSQL is shared with operator commands
 * run beside it, and supervised: restarted when it dies, or the service exits for its supervisor.
 */
const dirs: string[] = [];
const servers: Spawned[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    if (server.child.exitCode === null) server.child.kill('SIGKILL');
    await server.exited;
  }
  for (const dir of dirs.splice(0)) {
    // A failing test may leave a postmaster behind (stopped with SIGSTOP, or orphaned): end it.
    await endLeftoverPostmaster(path.join(dir, 'pgdata'));
    await rm(dir, { recursive: true, force: true });
  }
});

async function endLeftoverPostmaster(pgdata: string): Promise<void> {
  const pid = Number((await readFile(path.join(pgdata, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0]);
  const command = pid > 0 ? await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '') : '';
  if (!command.includes(pgdata)) return;
  process.kill(pid, 'SIGCONT');
  process.kill(pid, 'SIGKILL');
}

async function demoEnv(extra: NodeJS.ProcessEnv = {}): Promise<NodeJS.ProcessEnv> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'quorum-supervise-'));
  dirs.push(dataDir);
  // As root the embedded server runs as `postgres`, which must be able to enter the folder.
  await chmod(dataDir, 0o755);
  return {
    DATA_DIR: dataDir,
    PORT: String(await freePort()),
    EMBEDDED_PG_PORT: String(await freePort()),
    LOG_LEVEL: 'info',
    SCHEDULER_INTERVAL_SECONDS: '0',
    ...extra,
  };
}

async function startDemo(env: NodeJS.ProcessEnv): Promise<{ server: Spawned; password: string }> {
  const server = spawnNode('src/server.ts', [], env);
  servers.push(server);
  const [, password] = await server.waitFor(/password:\s+(\S+)\s+\(generated/, 60_000);
  return { server, password: password! };
}

const postmasterPid = async (env: NodeJS.ProcessEnv) =>
  Number((await readFile(path.join(env.DATA_DIR!, 'pgdata', 'postmaster.pid'), 'utf8')).split('\n')[0]);

const status = (env: NodeJS.ProcessEnv, route: string) =>
  fetch(`http://127.0.0.1:${env.PORT}${route}`).then(
    (r) => r.status,
    () => 0,
  );

const login = (env: NodeJS.ProcessEnv, password: string) =>
  fetch(`http://127.0.0.1:${env.PORT}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ organization: 'demo', email: 'owner@demo.example', password }),
  }).then((r) => r.status);

async function cli(env: NodeJS.ProcessEnv, args: string[]): Promise<{ code: number | null; output: string }> {
  const run = spawnNode('src/cli.ts', args, env);
  const code = await run.exited;
  return { code, output: run.output() };
}

async function sigterm(server: Spawned): Promise<{ code: number | null; ms: number }> {
  const started = performance.now();
  server.child.kill('SIGTERM');
  const code = await server.exited;
  return { code, ms: Math.round(performance.now() - started) };
}

describe('operator commands beside a running demo server', () => {
  it('when reset-password, migrate and create-org run against the same DATA_DIR, then the server keeps its database and the new password logs in', async () => {
    const env = await demoEnv();
    const { server, password } = await startDemo(env);
    const pid = await postmasterPid(env);

    const reset = await cli(env, ['reset-password', '--org', 'demo', '--email', 'owner@demo.example']);
    expect(reset.code, reset.output).toBe(0);
    const newPassword = /new password (\S+)/.exec(reset.output)![1]!;
    expect(await status(env, '/readyz')).toBe(200);
    expect(await login(env, newPassword)).toBe(200);
    expect(await login(env, password)).toBe(401);

    const migrate = await cli(env, ['migrate']);
    expect(migrate.code, migrate.output).toBe(0);
    const created = await cli(env, ['create-org', '--slug', 'acme', '--owner-email', 'hr@acme.example']);
    expect(created.code, created.output).toBe(0);

    // Still the same postmaster, run by the server: nobody stopped it and started another.
    expect(await postmasterPid(env)).toBe(pid);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await status(env, '/readyz')).toBe(200);
    expect(await login(env, newPassword)).toBe(200);

    const stopped = await sigterm(server);
    expect(stopped.code).toBe(0);
    expect(stopped.ms).toBeLessThan(5_000);
  }, 120_000);

  it('when the operator command is run without the EMBEDDED_PG_PORT the server was given, then it still finds that server', async () => {
    const env = await demoEnv();
    const { server } = await startDemo(env);
    // The port the live server's postmaster.pid names wins over the command's own setting.
    const reset = await cli({ ...env, EMBEDDED_PG_PORT: String(await freePort()) }, [
      'reset-password',
      '--org',
      'demo',
      '--email',
      'owner@demo.example',
    ]);
    expect(reset.code, reset.output).toBe(0);
    expect(await login(env, /new password (\S+)/.exec(reset.output)![1]!)).toBe(200);
    expect(await status(env, '/readyz')).toBe(200);
    expect((await sigterm(server)).code).toBe(0);
  }, 120_000);

  it('when the process that started the database exits (cleanly or by kill -9) while the server uses it, then the server takes the database over', async () => {
    const env = await demoEnv();
    const first = await startDemo(env);
    first.server.child.kill('SIGTERM');
    expect(await first.server.exited).toBe(0);

    // A stand-in for a long operator command: a Quorum process that owns the postmaster.
    const { postgresPassword } = JSON.parse(await readFile(path.join(env.DATA_DIR!, 'secrets.json'), 'utf8')) as {
      postgresPassword: string;
    };
    const startOwner = async () => {
      const owner = spawnNode(
        '--input-type=module',
        [
          '-e',
          `const { startEmbeddedPostgres } = await import('./src/db/embedded.ts');
           const db = await startEmbeddedPostgres(${JSON.stringify({
             dataDir: path.join(env.DATA_DIR!, 'pgdata'),
             port: Number(env.EMBEDDED_PG_PORT),
             password: postgresPassword,
             persistent: true,
           })});
           console.log('owner ready');
           process.on('SIGTERM', () => db.stop().then(() => process.exit(0)));
           setInterval(() => {}, 1000);`,
        ],
        env,
      );
      await owner.waitFor(/owner ready/);
      return owner;
    };

    for (const ending of ['SIGTERM', 'SIGKILL'] as const) {
      const owner = await startOwner();
      const ownersPostmaster = await postmasterPid(env);
      const { server, password } = await startDemo(env);
      expect(await postmasterPid(env)).toBe(ownersPostmaster);
      expect(await login(env, password)).toBe(200);

      owner.child.kill(ending);
      await owner.exited;
      let readyAgain = false;
      for (let i = 0; i < 100 && !readyAgain; i++) {
        await new Promise((r) => setTimeout(r, 100));
        readyAgain =
          (await postmasterPid(env).catch(() => ownersPostmaster)) !== ownersPostmaster &&
          (await status(env, '/readyz')) === 200;
      }
      expect(readyAgain, `${ending}: ${server.output()}`).toBe(true);
      expect(await login(env, password)).toBe(200);
      const stopped = await sigterm(server);
      expect(stopped.code).toBe(0);
    }
  }, 120_000);
});

describe('the embedded PostgreSQL dies under a running server', () => {
  it('when the server itself was killed with SIGKILL, then its orphaned postmaster is replaced at the next start and the data is intact', async () => {
    const env = await demoEnv();
    const first = await startDemo(env);
    const orphan = await postmasterPid(env);
    first.server.child.kill('SIGKILL');
    await first.server.exited;
    expect(() => process.kill(orphan, 0)).not.toThrow();

    const { server, password } = await startDemo(env);
    expect(password).toBe(first.password);
    expect(await postmasterPid(env)).not.toBe(orphan);
    expect(() => process.kill(orphan, 0)).toThrow();
    expect(await login(env, password)).toBe(200);
    expect((await sigterm(server)).code).toBe(0);
  }, 120_000);

  it('when the postmaster is killed with SIGKILL, then it is restarted, /readyz is 200 again with the data intact, and SIGTERM is quick', async () => {
    const env = await demoEnv();
    const { server, password } = await startDemo(env);
    const pid = await postmasterPid(env);

    process.kill(pid, 'SIGKILL');
    const killedAt = performance.now();
    let sawOutage = false;
    let recoveredMs: number | undefined;
    const healthDuringOutage = new Set<number>();
    while (performance.now() - killedAt < 30_000) {
      const ready = await status(env, '/readyz');
      if (ready !== 200) {
        sawOutage = true;
        healthDuringOutage.add(await status(env, '/healthz'));
      } else if (sawOutage || (await postmasterPid(env).catch(() => pid)) !== pid) {
        recoveredMs = Math.round(performance.now() - killedAt);
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(recoveredMs, server.output()).toBeDefined();
    // Recovering by itself is healthy: nothing for a supervisor to do.
    expect([...healthDuringOutage].every((s) => s === 200)).toBe(true);
    expect(await postmasterPid(env)).not.toBe(pid);
    expect(await login(env, password)).toBe(200);
    expect(server.output()).toMatch(/embedded PostgreSQL restarted/);
    process.stdout.write(`recovered ${recoveredMs} ms after SIGKILL of the postmaster\n`);

    const stopped = await sigterm(server);
    expect(stopped.code).toBe(0);
    expect(stopped.ms).toBeLessThan(5_000);
    process.stdout.write(`SIGTERM after recovery: exit ${stopped.code} in ${stopped.ms} ms\n`);
  }, 120_000);

  it('when the data folder is broken so restarts fail, then /healthz says 503 and the server exits 1 within the restart budget', async () => {
    const env = await demoEnv({ EMBEDDED_PG_MAX_RESTARTS: '2' });
    const { server } = await startDemo(env);
    // Read only at start: the running server does not mind, every restart refuses the folder.
    await writeFile(path.join(env.DATA_DIR!, 'pgdata', 'PG_VERSION'), '9\n');
    process.kill(await postmasterPid(env), 'SIGKILL');
    const killedAt = performance.now();

    const health: number[] = [];
    let unhealthyBody: unknown;
    while (server.child.exitCode === null && performance.now() - killedAt < 30_000) {
      const response = await fetch(`http://127.0.0.1:${env.PORT}/healthz`).catch(() => null);
      if (response) health.push(response.status);
      if (response?.status === 503) unhealthyBody = await response.json();
      await new Promise((r) => setTimeout(r, 50));
    }
    const code = await server.exited;
    const exitedMs = Math.round(performance.now() - killedAt);
    expect(code, server.output()).toBe(1);
    expect(health).toContain(503);
    expect(unhealthyBody).toMatchObject({ status: 503, code: 'unrecoverable' });
    // Once 503, never healthy again.
    expect(health.slice(health.indexOf(503))).not.toContain(200);
    expect(server.output()).toMatch(/did not come back after 2 restart/);
    // 0.5 s + 1 s of backoff, the unhealthy window and the shutdown: far from hanging forever.
    expect(exitedMs).toBeLessThan(15_000);
    process.stdout.write(`gave up and exited 1 ${exitedMs} ms after SIGKILL (2 restarts)\n`);
  }, 120_000);

  it('when SIGTERM arrives while the database is down and being restarted, then the server exits 0 well under the 10 s grace delay', async () => {
    const env = await demoEnv();
    const { server } = await startDemo(env);
    process.kill(await postmasterPid(env), 'SIGKILL');
    await server.waitFor(/ended unexpectedly; restarting it/);
    const stopped = await sigterm(server);
    expect(stopped.code, server.output()).toBe(0);
    expect(stopped.ms).toBeLessThan(3_000);
    process.stdout.write(`SIGTERM with the database down: exit ${stopped.code} in ${stopped.ms} ms\n`);
  }, 120_000);

  it('when the database hangs (SIGSTOP) at shutdown, then the stop escalates and the server still exits 0 before the grace delay', async () => {
    const env = await demoEnv();
    const { server } = await startDemo(env);
    const pid = await postmasterPid(env);
    process.kill(pid, 'SIGSTOP');
    const stopped = await sigterm(server);
    expect(stopped.code, server.output()).toBe(0);
    // Fast (3 s) and immediate (1.5 s) shutdown time out, SIGKILL ends it: about 5 s, not 10.
    expect(stopped.ms).toBeLessThan(8_000);
    expect(() => process.kill(pid, 0)).toThrow();
    process.stdout.write(`SIGTERM with a hung database: exit ${stopped.code} in ${stopped.ms} ms\n`);
  }, 120_000);
});
