import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import { inject } from 'vitest';
import { buildApp, type App } from '../../src/app.ts';
import type { AppConfig } from '../../src/config.ts';
import { createLogger } from '../../src/plugins/logging.ts';
import { withDatabase } from './global-setup.ts';

export const TEST_PEPPER = randomBytes(32);

/** A fresh database cloned from the migrated template; dropped by the returned function. */
export async function createTestDatabase(
  options: { empty?: boolean } = {},
): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  const adminUrl = inject('adminUrl');
  const name = `quorum_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client(adminUrl);
  await admin.connect();
  try {
    await admin.query(
      options.empty ? `create database ${name}` : `create database ${name} template ${inject('templateDatabase')}`,
    );
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(adminUrl, name),
    name,
    drop: async () => {
      const c = new pg.Client(adminUrl);
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export function testConfig(databaseUrl: string, overrides: Partial<AppConfig> = {}): AppConfig {
  return {
    databaseUrl,
    tokenPepper: TEST_PEPPER,
    minGroupSize: 5,
    sessionTtlMinutes: 60,
    cookieSecure: true,
    trustProxy: false,
    logLevel: 'silent',
    dbPoolSize: 5,
    publicUrl: 'https://quorum.test',
    // Small batches by default so tests see releases early; the reports tests use the real default.
    releaseBatchSize: 6,
    statementTimeoutMs: 30_000,
    smtpUrl: null,
    mailFrom: 'Quorum <quorum@quorum.test>',
    schedulerIntervalSeconds: 0,
    // Each app its own folder of sealed-box epoch keys, as each installation has.
    boxKeyDir: mkdtempSync(path.join(tmpdir(), 'quorum-box-keys-')),
    ...overrides,
  };
}

export interface TestApp {
  app: App;
  /** Every log line the app wrote, parsed; only filled when built with captureLogs. */
  logs: Array<Record<string, unknown>>;
  rawLogs: string[];
  databaseUrl: string;
  close(): Promise<void>;
}

/** buildApp on its own fresh database, as the server would build it. */
export async function buildTestApp(
  options: { config?: Partial<AppConfig>; captureLogs?: boolean } = {},
): Promise<TestApp> {
  const database = await createTestDatabase();
  const rawLogs: string[] = [];
  const logger = options.captureLogs
    ? createLogger(
        'trace',
        new Writable({
          write(chunk, _encoding, done) {
            rawLogs.push(...String(chunk).split('\n').filter(Boolean));
            done();
          },
        }),
      )
    : undefined;
  const app = await buildApp(testConfig(database.url, options.config), logger ? { logger } : {});
  return {
    app,
    get logs() {
      return rawLogs.map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    rawLogs,
    databaseUrl: database.url,
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}
