import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/process.ts';

/** A Node.js older than 22 on this machine, if there is one (Debian's is 20): what many users have. */
function oldNode(): string | undefined {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node']) {
    const run = spawnSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' });
    if (run.status === 0 && Number(run.stdout.split('.')[0]) < 22) return candidate;
  }
  return undefined;
}
const old = oldNode();

describe.runIf(old)('an older Node.js on the machine', () => {
  const env = { PATH: `${path.dirname(old!)}:/usr/bin:/bin`, HOME: process.env.HOME };

  it('when the README commands run through npm with Node 20 first on PATH, then npm scripts use the Node that npm install brought', () => {
    const run = spawnSync('npm', ['run', '--silent', 'cli', '--', 'help'], { cwd: ROOT, env, encoding: 'utf8' });
    expect(run.stderr).not.toMatch(/ERR_UNKNOWN_FILE_EXTENSION|needs Node/);
    expect(run.stdout).toContain('Quorum operator commands');
    const version = spawnSync('npm', ['exec', '--', 'node', '-p', 'process.versions.node'], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
    });
    expect(Number(version.stdout.split('.')[0])).toBeGreaterThanOrEqual(22);
  });

  it('when an entry point is started with the old Node itself, then one line names the version needed and how to get it', () => {
    const run = spawnSync(old!, ['--import', './tools/require-node.mjs', 'src/server.ts'], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
    });
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/needs Node\.js 22\.18 or newer.*npm install/);
  });
});
