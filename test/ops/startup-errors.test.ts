import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, TEST_PEPPER, type TestApp } from '../helpers/app.ts';
import { freePort } from '../helpers/ports.ts';
import { spawnNode } from '../helpers/process.ts';

/** Issue 11, item 5: what an operator sees when the database is not there (yet) or a flag is wrong. */
let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(() => t.close());

const STACK_FRAME = /^\s+at /m;
const PASSWORD = 'hunter2-never-printed';

describe('start-up errors are one clear line', () => {
  it('when DATABASE_URL is unreachable, then the server retries, then exits 1 naming host:port and the tries, without a stack or the password', async () => {
    const port = await freePort();
    const startedAt = Date.now();
    const run = spawnNode('src/server.ts', [], {
      DATABASE_URL: `postgres://quorum:${PASSWORD}@127.0.0.1:${port}/quorum`,
      TOKEN_PEPPER: TEST_PEPPER.toString('hex'),
      PORT: String(await freePort()),
      DB_CONNECT_TIMEOUT_SECONDS: '2',
    });
    expect(await run.exited).toBe(1);
    const elapsed = Date.now() - startedAt;
    const output = run.output();
    expect(output.trim()).toMatch(
      new RegExp(`^quorum: cannot reach PostgreSQL at 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\) after [3-9] tries`),
    );
    expect(output.trim().split('\n')).toHaveLength(1);
    expect(output).not.toMatch(STACK_FRAME);
    expect(output).not.toContain(PASSWORD);
    // It waited out its budget (backoff 250, 500, 1000 ms ...) rather than failing at once.
    expect(elapsed).toBeGreaterThan(1_500);
  });

  it('when the database comes up a few seconds after the server, then the server waits for it and starts', async () => {
    const real = new URL(t.databaseUrl);
    const port = await freePort();
    const url = new URL(t.databaseUrl);
    url.port = String(port);
    const httpPort = await freePort();
    const run = spawnNode('src/server.ts', [], {
      DATABASE_URL: url.toString(),
      TOKEN_PEPPER: TEST_PEPPER.toString('hex'),
      PORT: String(httpPort),
      SCHEDULER_INTERVAL_SECONDS: '0',
    });
    // A late "container": a TCP relay to the test database that starts listening after 2 s.
    const relay = net.createServer((socket) => {
      const upstream = net.connect(Number(real.port), real.hostname);
      socket.pipe(upstream).pipe(socket);
      socket.on('error', () => upstream.destroy());
      upstream.on('error', () => socket.destroy());
    });
    await new Promise((r) => setTimeout(r, 2_000));
    await new Promise<void>((resolve) => relay.listen(port, '127.0.0.1', resolve));
    try {
      await run.waitFor(/quorum listening/, 20_000);
      expect((await fetch(`http://127.0.0.1:${httpPort}/readyz`)).status).toBe(200);
    } finally {
      run.child.kill('SIGTERM');
      await run.exited;
      relay.close();
    }
  });

  it('when the HTTP port is taken, then the server exits 1 with one line naming it', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as net.AddressInfo;
    try {
      const run = spawnNode('src/server.ts', [], {
        DATABASE_URL: t.databaseUrl,
        TOKEN_PEPPER: TEST_PEPPER.toString('hex'),
        PORT: String(port),
        LOG_LEVEL: 'warn',
        SCHEDULER_INTERVAL_SECONDS: '0',
      });
      expect(await run.exited).toBe(1);
      expect(run.output().trim()).toBe(
        `quorum: cannot listen on 127.0.0.1:${port} (EADDRINUSE); another process uses that port: set PORT or HOST`,
      );
    } finally {
      taken.close();
    }
  });

  it('when the CLI gets an unknown flag, then it prints one line naming the flag and the usage, and exits 2', async () => {
    const run = spawnNode('src/cli.ts', ['migrate', '--force'], {
      DATABASE_URL: t.databaseUrl,
      TOKEN_PEPPER: TEST_PEPPER.toString('hex'),
    });
    expect(await run.exited).toBe(2);
    const output = run.output();
    expect(output.split('\n')[0]).toBe('quorum: unknown option --force');
    expect(output).toMatch(/reset-password --org/);
    expect(output).not.toMatch(STACK_FRAME);
  });

  it('when the CLI cannot reach DATABASE_URL, then it exits 1 with the same one line', async () => {
    const port = await freePort();
    const run = spawnNode('src/cli.ts', ['migrate'], {
      DATABASE_URL: `postgres://quorum:${PASSWORD}@127.0.0.1:${port}/quorum`,
      TOKEN_PEPPER: TEST_PEPPER.toString('hex'),
      DB_CONNECT_TIMEOUT_SECONDS: '1',
    });
    expect(await run.exited).toBe(1);
    expect(run.output().trim()).toMatch(/^quorum: cannot reach PostgreSQL at 127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
    expect(run.output()).not.toMatch(STACK_FRAME);
    expect(run.output()).not.toContain(PASSWORD);
  });
});
