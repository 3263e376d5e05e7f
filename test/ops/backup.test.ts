import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.ts';
import type { Database } from '../../src/db/schema.ts';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/db/embedded.ts';
import { migrateToLatest } from '../../src/db/migrator.ts';
import { ensureDatabase } from '../../src/runtime.ts';
import { testConfig } from '../helpers/app.ts';
import { freePort } from '../helpers/ports.ts';
import { bearer, buildOrganization, login, tokenFor } from '../helpers/factories.ts';
import { report } from '../helpers/reports.ts';
import { declareDimensions, importCsv, rosterCsv } from '../helpers/roster.ts';
import { answerByLink, createSurvey, openWave } from '../helpers/surveys.ts';

/**
 * Issue 7, backup and restore, exercised: a cold file-system copy of the data folder (PostgreSQL's
 * "file system level backup"; what docs/reliability.md describes for the embedded server) restored
 * on another port must hold every row unchanged, and the restored service must log HR in and serve
 * the same reports. pg_dump is the way for a DATABASE_URL server (documented), but no pg_dump for
 * PostgreSQL 18 exists on this machine's package sources to exercise it here.
 */
let dir: string;
const servers: EmbeddedDatabase[] = [];
const apps: App[] = [];
afterAll(async () => {
  for (const app of apps) await app.close().catch(() => undefined);
  for (const server of servers) await server.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function serve(dataDir: string, port: number): Promise<App> {
  const server = await startEmbeddedPostgres({ dataDir, port, password: 'backup', persistent: true });
  servers.push(server);
  await ensureDatabase(server.urlFor('postgres'), 'quorum');
  const app = await buildApp(testConfig(server.urlFor('quorum')));
  apps.push(app);
  await migrateToLatest(app.db);
  return app;
}

/** Every row of every table, hashed per table. */
async function fingerprint(db: Kysely<Database>): Promise<Record<string, string>> {
  const tables = await sql<{
    name: string;
  }>`select tablename as name from pg_tables where schemaname = 'public' order by 1`.execute(db);
  const out: Record<string, string> = {};
  for (const { name } of tables.rows) {
    const { rows } = await sql<{
      h: string;
      n: number;
    }>`select md5(coalesce(string_agg(x::text, ',' order by x::text), '')) as h, count(*) as n from ${sql.table(name)} x`.execute(
      db,
    );
    out[name] = `${rows[0]!.n}:${rows[0]!.h}`;
  }
  return out;
}

describe('backup and restore', () => {
  it('when the data folder is copied while stopped and started elsewhere, then every row, login and report is the same', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'quorum-backup-'));
    await chmod(dir, 0o755);
    const port = await freePort();
    const app = await serve(path.join(dir, 'live'), port);
    const org = await buildOrganization(app);
    const owner = await tokenFor(app, org, 'owner');
    await declareDimensions(app, owner);
    await importCsv(app, owner, rosterCsv(30, 17));
    const survey = await createSurvey(app, owner, { template: 'pulse' });
    const { invitations } = await openWave(app, owner, survey.id);
    for (const [i, invitation] of invitations.slice(0, 20).entries())
      expect((await answerByLink(app, invitation.link, i)).statusCode).toBe(201);
    await app.inject({ method: 'POST', url: `/v1/surveys/${survey.id}/close`, headers: bearer(owner) });
    // The audit entry of the last request is written after its response (src/audit/plugin.ts):
    // wait for it, or a loaded machine copies the folder one entry short of the fingerprint.
    await expect
      .poll(async () => Number((await fingerprint(app.db)).audit_log!.split(':')[0]), { timeout: 5000 })
      .toBeGreaterThanOrEqual(5);
    const before = await fingerprint(app.db);
    const overview = (await report(app, owner, survey.id, 'overview')).json();
    expect(Number(before.responses!.split(':')[0])).toBe(20);

    // Backup: stop the service and its server, copy the folder. Restore: start from the copy.
    await app.close();
    await servers.pop()!.stop();
    // cp -a keeps owner and modes: PostgreSQL starts only on a folder its own user owns, 0700.
    execFileSync('cp', ['-a', path.join(dir, 'live'), path.join(dir, 'restored')]);
    const restored = await serve(path.join(dir, 'restored'), await freePort());

    expect(await fingerprint(restored.db)).toEqual(before);
    expect((await login(restored, org, org.ownerEmail)).statusCode).toBe(200);
    expect((await report(restored, owner, survey.id, 'overview')).json()).toEqual(overview);
  }, 120_000);
});
