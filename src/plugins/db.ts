import { flushContests } from '../responses/contests.ts';
import fp from 'fastify-plugin';
import type { Kysely } from 'kysely';
import type { AppConfig } from '../config.ts';
import { createDb } from '../db/connection.ts';
import type { Database } from '../db/schema.ts';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { sendNotice } from '../reports/change-notices.ts';
import { deriveKeys, type Keys } from '../crypto/tokens.ts';
import { registerBatchKeys } from '../anonymity/batch-keys.ts';
import { settleEpochs } from '../anonymity/mixer.ts';

declare module 'fastify' {
  interface FastifyInstance {
    db: Kysely<Database>;
    keys: Keys;
    config: AppConfig;
    /** Random per app instance: names it in the notices it sends the others (src/reports/change-notices.ts). */
    instanceId: string;
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
    const keys = deriveKeys(config.tokenPepper);
    app.decorate('keys', keys);
    // SPEC P1 (T3): the keys of pending boxes, outside PostgreSQL so a release can destroy them.
    const batchKeys = registerBatchKeys(keys, path.resolve(config.boxKeyDir ?? path.join('.quorum', 'box-keys')), db);
    // A crash between a release's commit and its follow-up leaves an older key: finish the job.
    app.addHook('onReady', async () => {
      for (const { orgId, waveId } of await batchKeys.wavesWithKeys())
        await settleEpochs(db, keys, orgId, waveId).catch(() => 0);
    });
    app.addHook('onClose', async () => batchKeys.close());
    app.decorate('config', config);
    app.decorate('instanceId', randomBytes(8).toString('hex'));
    // Contested submits counted since the scheduler last wrote them (src/responses/contests.ts);
    // other instances forget what they cached of the closed waves among them.
    app.addHook('onClose', async () => {
      const closed = await flushContests(db, keys).catch(() => []);
      for (const { orgId, waveId } of closed)
        await sendNotice(db, app.instanceId, { kind: 'wave', orgId, id: waveId }).catch(() => undefined);
    });
    app.addHook('onClose', async () => db.destroy());
  },
  { name: 'db' },
);
