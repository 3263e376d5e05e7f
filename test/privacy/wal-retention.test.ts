import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../src/app.ts';
import { AT_REST_SETTINGS, settingsAtOdds } from '../../src/anonymity/server-settings.ts';
import { createDb } from '../../src/db/connection.ts';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/db/embedded.ts';
import { migrateToLatest } from '../../src/db/migrator.ts';
import { ensureDatabase } from '../../src/runtime.ts';
import { testConfig } from '../helpers/app.ts';
import { bearer } from '../helpers/factories.ts';
import { freePort } from '../helpers/ports.ts';
import { ROOT } from '../helpers/process.ts';
import { rosteredOrganization } from '../helpers/roster.ts';
import { answerByLink, createSurvey, openWave } from '../helpers/surveys.ts';

/**
 * P1 against T2, in time: the WAL holds every sealed box's insert and every submit's commit time to
 * the microsecond. A server with the embedded settings (src/anonymity/server-settings.ts), not the
 * throwaway test cluster's, must not keep them in its files past the second checkpoint after a
 * release. The attacker reads the raw pg_wal files, as a thief of the data folder would.
 */
let dir: string;
let server: EmbeddedDatabase;
let app: App;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'quorum-wal-'));
  await chmod(dir, 0o755);
  server = await startEmbeddedPostgres({
    dataDir: path.join(dir, 'pg'),
    port: await freePort(),
    password: 'wal',
    persistent: false,
  });
  await ensureDatabase(server.urlFor('postgres'), 'quorum');
  app = await buildApp(testConfig(server.urlFor('quorum'), { releaseBatchSize: 1000 }));
  await migrateToLatest(app.db);
});
afterAll(async () => {
  await app?.close();
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Slices of each box: a long box is split into TOAST chunks and WAL pages, a 40-byte slice rarely is. */
const slicesOf = (boxes: Buffer[]) =>
  boxes.flatMap((box) => [0, 40, 80].filter((at) => at + 40 <= box.length).map((at) => box.subarray(at, at + 40)));

async function walHolding(slices: Buffer[]): Promise<number> {
  const walDir = path.join(dir, 'pg', 'pg_wal');
  let found = 0;
  for (const name of (await readdir(walDir)).filter((n) => /^[0-9A-F]{24}$/.test(n))) {
    const bytes = await readFile(path.join(walDir, name));
    found += slices.filter((s) => bytes.includes(s)).length;
  }
  return found;
}

describe('P1 the WAL forgets', () => {
  it('when answers were released and two checkpoints passed, then no WAL file the server keeps holds their sealed boxes', async () => {
    const { admin } = await rosteredOrganization(app, 30);
    const survey = await createSurvey(app, admin, { template: 'pulse' });
    const { invitations } = await openWave(app, admin, survey.id);
    for (const [i, invitation] of invitations.slice(0, 12).entries())
      expect((await answerByLink(app, invitation.link, i)).statusCode).toBe(201);
    const boxes = (await app.db.selectFrom('sealed_responses').select('sealed').execute()).map((r) => r.sealed);
    expect(boxes).toHaveLength(12);
    const slices = slicesOf(boxes);
    expect(await walHolding(slices), 'the attacker finds boxes in fresh WAL').toBeGreaterThan(0);

    await app.inject({ method: 'POST', url: `/v1/surveys/${survey.id}/close`, headers: bearer(admin) });
    expect(await app.db.selectFrom('sealed_responses').select('sealed').execute()).toHaveLength(0);
    // What checkpoint_timeout does by itself within 2 × 5 minutes, done at once. With segments
    // recycled (PostgreSQL's default) the boxes' segment is renamed to a future one and read back
    // whole: 36 of 36 slices found.
    for (let i = 0; i < 2; i++) {
      await sql`select pg_switch_wal()`.execute(app.db);
      await sql`checkpoint`.execute(app.db);
    }
    expect(await walHolding(slices)).toBe(0);
  });
});

describe('the server settings at rest', () => {
  it('when the server runs the embedded settings, then none is at odds; when one differs, then it is named', async () => {
    expect(await settingsAtOdds(app.db)).toEqual([]);
    const loose = createDb({
      connectionString: `${server.urlFor('quorum')}?options=${encodeURIComponent('-c log_statement=all -c log_parameter_max_length=-1')}`,
      max: 1,
    });
    try {
      expect(await settingsAtOdds(loose)).toEqual([
        'log_statement=all (Quorum expects none)',
        'log_parameter_max_length=-1 (Quorum expects 0)',
      ]);
    } finally {
      await loose.destroy();
    }
  });
});

describe('docker-compose', () => {
  it('when its PostgreSQL is started, then it gets every setting the embedded server runs with', async () => {
    const compose = await readFile(path.join(ROOT, 'docker-compose.yml'), 'utf8');
    for (const [name, value] of Object.entries(AT_REST_SETTINGS)) expect(compose).toContain(`-c ${name}=${value}`);
  });
});
