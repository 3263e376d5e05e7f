import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { StartupError, toAppConfig, type AppConfig, type EnvConfig } from './config.ts';
import { startEmbeddedPostgres, type RestartInfo } from './db/embedded.ts';
import { firstBlockedFolder, reachableFolder } from './db/postgres-user.ts';

export interface Runtime {
  config: AppConfig;
  /** True when Quorum runs its own embedded PostgreSQL with generated secrets (demo mode). */
  demo: boolean;
  /** Demo mode: the folder holding the database and secrets.json. */
  dataDir: string | null;
  /** Demo mode: the generated owner password as last kept in secrets.json, if any. */
  demoOwnerPassword: string | undefined;
  /** Demo mode: keeps the generated owner password beside the other demo secrets (0600); null forgets it. */
  rememberDemoOwnerPassword(password: string | null): Promise<void>;
  stop(): Promise<void>;
}

export interface RuntimeOptions {
  /** The embedded database died and could not be restarted: the process cannot recover by itself. */
  onDatabaseLost?(error: Error): void;
  onDatabaseRestart?(info: RestartInfo): void;
}

const DATABASE = 'quorum';

interface DemoSecrets {
  tokenPepper: string;
  postgresPassword: string;
  demoOwnerPassword?: string;
}

/**
 * Settles where the database is and which secrets to use: DATABASE_URL + TOKEN_PEPPER from the
 * environment, or (demo mode) an embedded PostgreSQL under DATA_DIR with secrets generated once
 * and kept beside it, so a restart keeps both the data and the ability to check its tokens.
 */
export async function openRuntime(env: EnvConfig, options: RuntimeOptions = {}): Promise<Runtime> {
  if (env.DATABASE_URL && env.TOKEN_PEPPER) {
    await waitForDatabase(env.DATABASE_URL, env.DB_CONNECT_TIMEOUT_SECONDS * 1000);
    return {
      config: toAppConfig(env, { databaseUrl: env.DATABASE_URL, tokenPepper: env.TOKEN_PEPPER }),
      demo: false,
      dataDir: null,
      demoOwnerPassword: undefined,
      rememberDemoOwnerPassword: async () => {},
      stop: async () => {},
    };
  }
  const dataDir = await demoDataDir(env.DATA_DIR);
  let secrets = await loadOrCreateDemoSecrets(dataDir);
  const server = await startEmbeddedPostgres({
    dataDir: path.join(dataDir, 'pgdata'),
    port: env.EMBEDDED_PG_PORT,
    password: secrets.postgresPassword,
    persistent: true,
    supervise: {
      attempts: env.EMBEDDED_PG_MAX_RESTARTS,
      onFailure: (error) => options.onDatabaseLost?.(error),
      onRestart: (info) => options.onDatabaseRestart?.(info),
    },
  });
  try {
    await ensureDatabase(server.urlFor('postgres'), DATABASE);
  } catch (error) {
    await server.stop();
    throw error;
  }
  const tokenPepper = env.TOKEN_PEPPER ?? Buffer.from(secrets.tokenPepper, 'base64url');
  return {
    // The sealed box's keys default to beside the embedded database (DATA_DIR/box-keys).
    config: toAppConfig(env, { databaseUrl: server.urlFor(DATABASE), tokenPepper, dataDir }),
    demo: true,
    dataDir,
    get demoOwnerPassword() {
      return secrets.demoOwnerPassword;
    },
    rememberDemoOwnerPassword: async (password) => {
      const { demoOwnerPassword: _forgotten, ...rest } = secrets;
      secrets = password === null ? rest : { ...rest, demoOwnerPassword: password };
      await writeSecrets(dataDir, secrets);
    },
    stop: () => server.stop(),
  };
}

/**
 * DATA_DIR, or `.quorum` in the working folder. As root the embedded server runs as `postgres`,
 * which cannot enter a checkout under /root or a 0700 temporary folder; the default then moves
 * to /var/lib/quorum, one folder per checkout. An explicit DATA_DIR is never moved.
 */
async function demoDataDir(configured: string | undefined): Promise<string> {
  if (configured) return path.resolve(configured);
  const local = path.resolve('.quorum');
  if (process.getuid?.() !== 0 || !(await firstBlockedFolder(path.dirname(local)))) return local;
  const checkout = process.cwd();
  const name = `${path.basename(checkout).replace(/[^\w.-]/g, '_')}-${createHash('sha256').update(checkout).digest('hex').slice(0, 8)}`;
  return path.join(await reachableFolder(['/var/lib/quorum']), name);
}

async function loadOrCreateDemoSecrets(dataDir: string): Promise<DemoSecrets> {
  const file = path.join(dataDir, 'secrets.json');
  try {
    return JSON.parse(await readFile(file, 'utf8')) as DemoSecrets;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dataDir, { recursive: true, mode: 0o755 });
  const secrets: DemoSecrets = {
    tokenPepper: randomBytes(32).toString('base64url'),
    postgresPassword: randomBytes(18).toString('base64url'),
  };
  try {
    await writeFile(file, JSON.stringify(secrets, null, 2), { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another Quorum process (a CLI beside the server) created them first: use theirs.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return JSON.parse(await readFile(file, 'utf8')) as DemoSecrets;
  }
  return secrets;
}

/** Written aside and renamed: a crash mid-write must never lose the pepper that checks every token. */
async function writeSecrets(dataDir: string, secrets: DemoSecrets): Promise<void> {
  const file = path.join(dataDir, 'secrets.json');
  const partial = `${file}.${process.pid}.partial`;
  await writeFile(partial, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  await rename(partial, file);
}

export async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client(adminUrl);
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (!rowCount) await client.query(`create database "${name.replaceAll('"', '""')}"`);
  } finally {
    await client.end();
  }
}

/** Connection failures worth waiting out: the server (or its DNS name) is not up yet. */
const TRANSIENT = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P03',
]);

/**
 * Containers start in any order, so an unreachable database is retried with backoff for up to
 * `timeoutMs`; a refused login or a missing database is final at once. The error names host and
 * port but never the connection string, which carries the password.
 */
export async function waitForDatabase(url: string, timeoutMs: number): Promise<void> {
  const { hostname, port } = new URL(url);
  const where = `${hostname}:${port || '5432'}`;
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1, delay = 250; ; attempt++, delay = Math.min(delay * 2, 4_000)) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => {});
      const code = errorCode(error);
      if (!TRANSIENT.has(code)) {
        throw new StartupError(
          `quorum: PostgreSQL at ${where} refused the connection: ${(error as Error).message} (${code})`,
        );
      }
      if (Date.now() + delay > deadline) {
        const tries = `${attempt} ${attempt === 1 ? 'try' : 'tries'}`;
        throw new StartupError(
          `quorum: cannot reach PostgreSQL at ${where} (${code}) after ${tries} in ${Math.round(timeoutMs / 1000)} s (DB_CONNECT_TIMEOUT_SECONDS)`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

function errorCode(error: unknown): string {
  const e = error as { code?: string; errors?: Array<{ code?: string }>; message?: string } | undefined;
  if (e?.code) return e.code;
  // Node reports a failed happy-eyeballs connect (::1 then 127.0.0.1) as an AggregateError.
  if (e?.errors?.[0]?.code) return e.errors[0].code;
  return /timeout/i.test(e?.message ?? '') ? 'ETIMEDOUT' : 'unknown';
}
