import path from 'node:path';
import { z } from 'zod';

/**
 * Secrets are 32+ random bytes given as base64/base64url or hex. They live only in configuration,
 * never in the database, so a database or backup reader (SPEC tier T2) cannot recompute token hashes.
 */
const secret = z.string().transform((value, ctx) => {
  const bytes =
    /^[0-9a-f]+$/i.test(value) && value.length % 2 === 0 ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64url');
  if (bytes.length < 32) {
    ctx.addIssue({
      code: 'custom',
      message: 'must be at least 32 random bytes, hex or base64 encoded (try: openssl rand -base64 32)',
    });
    return z.NEVER;
  }
  return bytes;
});

const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const envSchema = z.object({
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/ })
    .optional()
    .describe('PostgreSQL connection string. Unset: an embedded PostgreSQL is started under DATA_DIR (demo mode).'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000).describe('HTTP port.'),
  HOST: z.string().min(1).default('127.0.0.1').describe('Interface to listen on (0.0.0.0 in containers).'),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('pino log level.'),
  TOKEN_PEPPER: secret
    .optional()
    .describe(
      'Key for the keyed hashes of sessions, API keys and survey tokens. Required with DATABASE_URL; generated and kept in DATA_DIR in demo mode.',
    ),
  MIN_GROUP_SIZE: z.coerce
    .number()
    .int()
    .min(3)
    .max(1000)
    .default(5)
    .describe('Default minimum group size k for new organizations (never below 3).'),
  SESSION_TTL_MINUTES: z.coerce
    .number()
    .int()
    .min(5)
    .max(7 * 24 * 60)
    .default(8 * 60)
    .describe('Lifetime of an HR login session.'),
  COOKIE_SECURE: flag
    .optional()
    .describe(
      'Mark session cookies Secure. Default: true unless PUBLIC_URL is plain http on a host other than localhost/127.0.0.1/[::1].',
    ),
  TRUST_PROXY: flag
    .default(false)
    .describe('Trust X-Forwarded-For from a reverse proxy (used only for rate-limit keys, never logged).'),
  DATA_DIR: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Where demo mode keeps the embedded database and its generated secrets. Default: .quorum in the working folder; as root, when the postgres user cannot enter that, /var/lib/quorum/<folder>-<hash>.',
    ),
  EMBEDDED_PG_MAX_RESTARTS: z.coerce
    .number()
    .int()
    .min(0)
    .max(100)
    .default(5)
    .describe(
      'Demo mode: restarts of a dead embedded PostgreSQL (delays 0.5 s, 1 s, 2 s ...) before Quorum exits 1 for its supervisor.',
    ),
  EMBEDDED_PG_PORT: z.coerce
    .number()
    .int()
    .min(1024)
    .max(65535)
    .default(54329)
    .describe('Port of the embedded PostgreSQL (demo mode only).'),
  PUBLIC_URL: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe('Base URL employees reach Quorum at, used in survey links. Default: http://HOST:PORT.'),
  RELEASE_BATCH_SIZE: z.coerce
    .number()
    .int()
    .min(6)
    .max(10_000)
    .default(50)
    .describe(
      'Answers wait sealed until this many (and at least 2k) are pending; bigger batches keep more attribute detail (docs/privacy.md).',
    ),
  SMTP_URL: z
    .url({ protocol: /^smtps?$/ })
    .optional()
    .describe(
      'SMTP server for invitations and reminders, e.g. smtp://user:pass@mail:587. Unset: e-mail delivery is off.',
    ),
  MAIL_FROM: z
    .string()
    .min(3)
    .default('Quorum <quorum@localhost>')
    .describe('Sender of invitation and reminder e-mails.'),
  SCHEDULER_INTERVAL_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(3600)
    .default(30)
    .describe('How often the scheduler sends mail, opens due pulse waves and sends due reminders; 0 turns it off.'),
  BOX_KEY_DIR: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Where the keys of answers still waiting in the sealed box live (one file per wave and release epoch, destroyed at each release). Outside PostgreSQL on purpose; shared by every instance. Default: DATA_DIR/box-keys.',
    ),
  DB_STATEMENT_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(10)
    .max(600_000)
    .default(30_000)
    .describe('Longest a single SQL statement may run; a report that takes longer answers 503.'),
  DB_CONNECT_TIMEOUT_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(600)
    .default(30)
    .describe(
      'How long start-up (server and CLI) keeps retrying an unreachable DATABASE_URL, with backoff, before giving up.',
    ),
  DB_POOL_SIZE: z.coerce
    .number()
    .int()
    .min(1)
    .max(200)
    .default(10)
    .describe('Maximum PostgreSQL connections per app instance.'),
});

export type EnvConfig = z.output<typeof envSchema>;

/** Everything the app needs once the database location and secrets are settled. */
export interface AppConfig {
  databaseUrl: string;
  tokenPepper: Buffer;
  minGroupSize: number;
  sessionTtlMinutes: number;
  cookieSecure: boolean;
  trustProxy: boolean;
  logLevel: EnvConfig['LOG_LEVEL'];
  dbPoolSize: number;
  /** Base of the links in invitations, without a trailing slash. */
  publicUrl: string;
  /** Pending answers needed (with at least 2k) before the mixer releases a batch. */
  releaseBatchSize: number;
  statementTimeoutMs: number;
  smtpUrl: string | null;
  mailFrom: string;
  schedulerIntervalSeconds: number;
  /** Directory of the sealed box's epoch keys (src/anonymity/batch-keys.ts); default .quorum/box-keys. */
  boxKeyDir?: string;
}

/** A failure the operator can fix, reported as its message alone: a stack trace would only hide it. */
export class StartupError extends Error {
  override name = 'StartupError';
}

export class ConfigError extends StartupError {
  override name = 'ConfigError';
}

/** Parses the environment; a bad value fails with a message naming the variable. */
export function loadEnvConfig(env: NodeJS.ProcessEnv = process.env): EnvConfig {
  // Empty strings mean "unset", as docker-compose and shells often pass them.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  if (parsed.data.DATABASE_URL && !parsed.data.TOKEN_PEPPER) {
    throw new ConfigError(
      'Invalid configuration:\n  TOKEN_PEPPER: required when DATABASE_URL is set (generate one with: openssl rand -base64 32)',
    );
  }
  return parsed.data;
}

export function toAppConfig(
  env: EnvConfig,
  resolved: { databaseUrl: string; tokenPepper: Buffer; dataDir?: string },
): AppConfig {
  const publicUrl = publicUrlOf(env);
  return {
    databaseUrl: resolved.databaseUrl,
    tokenPepper: resolved.tokenPepper,
    minGroupSize: env.MIN_GROUP_SIZE,
    sessionTtlMinutes: env.SESSION_TTL_MINUTES,
    cookieSecure: env.COOKIE_SECURE ?? secureCookiesWork(publicUrl),
    trustProxy: env.TRUST_PROXY,
    logLevel: env.LOG_LEVEL,
    dbPoolSize: env.DB_POOL_SIZE,
    releaseBatchSize: env.RELEASE_BATCH_SIZE,
    statementTimeoutMs: env.DB_STATEMENT_TIMEOUT_MS,
    smtpUrl: env.SMTP_URL ?? null,
    mailFrom: env.MAIL_FROM,
    schedulerIntervalSeconds: env.SCHEDULER_INTERVAL_SECONDS,
    boxKeyDir: path.resolve(env.BOX_KEY_DIR ?? path.join(resolved.dataDir ?? env.DATA_DIR ?? '.quorum', 'box-keys')),
    publicUrl,
  };
}

function publicUrlOf(env: EnvConfig): string {
  return (env.PUBLIC_URL ?? `http://${env.HOST === '0.0.0.0' ? 'localhost' : env.HOST}:${env.PORT}`).replace(
    /\/+$/,
    '',
  );
}

/**
 * Browsers store a Secure cookie only from https, or from http on localhost (a "potentially
 * trustworthy" origin). Anywhere else a Secure session cookie is silently dropped and every
 * employee link ends in "session expired".
 */
function secureCookiesWork(publicUrl: string): boolean {
  const url = new URL(publicUrl);
  if (url.protocol === 'https:') return true;
  const host = url.hostname.toLowerCase();
  return host === 'localhost' || host.endsWith('.localhost') || host === '[::1]' || /^127\./.test(host);
}

/** Settings that parse but will not work as the operator expects; logged as warnings at start. */
export function configWarnings(env: EnvConfig): string[] {
  const publicUrl = publicUrlOf(env);
  const warnings: string[] = [];
  if (env.COOKIE_SECURE === true && !secureCookiesWork(publicUrl))
    warnings.push(
      `COOKIE_SECURE=true but PUBLIC_URL ${publicUrl} is plain http on a non-local host: browsers drop Secure cookies there, so logins and survey links will fail. Serve https, or unset COOKIE_SECURE.`,
    );
  return warnings;
}
