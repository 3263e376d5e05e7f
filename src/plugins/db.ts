import fp from 'fastify-plugin';
import type { Kysely } from 'kysely';
import type { AppConfig } from '../config.ts';
import { createDb } from '../db/connection.ts';
import type { Database } from '../db/schema.ts';
import { deriveKeys, type Keys } from '../crypto/tokens.ts';

declare module 'fastify' {
  interface FastifyInstance {
    db: Kysely<Database>;
    keys: Keys;
    config: AppConfig;
  }
}

/** The one place that owns the pool: routes reach the database through `app.db` only. */
export const dbPlugin = fp<{ config: AppConfig }>(
  async (app, { config }) => {
    const db = createDb({
      connectionString: config.databaseUrl,
      max: config.dbPoolSize,
      statementTimeoutMs: config.statementTimeoutMs,
    });
    app.decorate('db', db);
    app.decorate('keys', deriveKeys(config.tokenPepper));
    app.decorate('config', config);
    app.addHook('onClose', async () => db.destroy());
  },
  { name: 'db' },
);
