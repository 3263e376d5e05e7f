import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { StartupError, toAppConfig, type AppConfig, type EnvConfig } from './config.ts';
import { startEmbeddedPostgres } from './db/embedded.ts';

export interface Runtime {
  config: AppConfig;
  /** True when Quorum runs its own embedded PostgreSQL with generated secrets (demo mode). */
  demo: boolean;
  stop(): Promise<void>;
}

const DATABASE = 'quorum';

interface DemoSecrets {
  tokenPepper: string;
  postgresPassword: string;
}

/**
 * Settles where the database is and which secrets to use: DATABASE_URL + TOKEN_PEPPER from the
 * environment, or (demo mode) an embedded PostgreSQL under DATA_DIR with secrets generated once
 * and kept beside it, so a restart keeps both the data and the ability to check its tokens.
 */
export async function openRuntime(env: EnvConfig): Promise<Runtime> {
  if (env.DATABASE_URL && env.TOKEN_PEPPER) {
    await waitForDatabase(env.DATABASE_URL, env.DB_CONNECT_TIMEOUT_SECONDS * 1000);
    return {
      config: toAppConfig(env, { databaseUrl: env.DATABASE_URL, tokenPepper: env.TOKEN_PEPPER }),
      demo: false,
      stop: async () => {},
    };
  }
  const dataDir = path.resolve(env.DATA_DIR);
  const secrets = await loadOrCreateDemoSecrets(dataDir);
  const server = await startEmbeddedPostgres({
    dataDir: path.join(dataDir, 'pgdata'),
    port: env.EMBEDDED_PG_PORT,
    password: secrets.postgresPassword,
    persistent: true,
  });
  try {
    await ensureDatabase(server.urlFor('postgres'), DATABASE);
  } catch (error) {
    await server.stop();
    throw error;
  }
  const tokenPepper = env.TOKEN_PEPPER ?? Buffer.from(secrets.tokenPepper, 'base64url');
  return {
    config: toAppConfig(env, { databaseUrl: server.urlFor(DATABASE), tokenPepper }),
    demo: true,
    stop: () => server.stop(),
  };
}

async function loadOrCreateDemoSecrets(dataDir: string): Promise<DemoSecrets> {
  const file = path.join(dataDir, 'secrets.json');
  try {
    return JSON.parse(await readFile(file, 'utf8')) as DemoSecrets;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dataDir, { recursive: true });
  const secrets: DemoSecrets = {
    tokenPepper: randomBytes(32).toString('base64url'),
    postgresPassword: randomBytes(18).toString('base64url'),
  };
  await writeFile(file, JSON.stringify(secrets, null, 2), { mode: 0o600, flag: 'wx' });
  return secrets;
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
