import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { toAppConfig, type AppConfig, type EnvConfig } from './config.ts';
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
