// Roster import and wave opening at scale, each beside a baseline measured in the same run, and
// what settling costs (src/anonymity/settle.ts): a wave opening and a reminder with and without
// the settle step, alternated in the same run:
//   node bench/roster-waves.ts [participants=100000]
import { mkdtemp, rm, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { buildApp } from '../src/app.ts';
import { startEmbeddedPostgres } from '../src/db/embedded.ts';
import { migrateToLatest } from '../src/db/migrator.ts';
import { ensureDatabase } from '../src/runtime.ts';
import { createOrganizationWithOwner } from '../src/orgs/service.ts';
import { rosterCsv } from '../test/fixtures/roster.ts';
import { createSurvey, openWave, WAVE_TABLES } from '../src/surveys/service.ts';
import { remindNonResponders } from '../src/delivery/reminders.ts';
import { settleTables, type SettledTable } from '../src/anonymity/settle.ts';

const n = Number(process.argv[2] ?? 100_000);
const pgStats = process.argv.includes('--pg-stats');
const dir = await mkdtemp(path.join(tmpdir(), 'quorum-bench-'));
await chmod(dir, 0o755);
const server = await startEmbeddedPostgres({
  dataDir: path.join(dir, 'pg'),
  port: 55000 + Math.floor(Math.random() * 1000),
  password: 'bench',
  persistent: false,
  // --pg-stats: what PostgreSQL spends the import and the wave opening on (profiling only).
  ...(pgStats
    ? { settings: { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track': 'all' } }
    : {}),
});
try {
  // A labelled block: the early stops below break out of it, so `finally` still stops the server
  // (process.exit here left one embedded PostgreSQL running per --submit-only run).
  whole: {
    await ensureDatabase(server.urlFor('postgres'), 'bench');
    const app = await buildApp({
      databaseUrl: server.urlFor('bench'),
      tokenPepper: randomBytes(32),
      minGroupSize: 5,
      sessionTtlMinutes: 60,
      cookieSecure: false,
      trustProxy: false,
      logLevel: 'silent',
      dbPoolSize: 4,
      publicUrl: 'http://bench',
      releaseBatchSize: 50,
      statementTimeoutMs: 600_000,
      smtpUrl: null,
      mailFrom: 'bench@localhost',
      schedulerIntervalSeconds: 0,
    });
    await migrateToLatest(app.db);
    if (pgStats) await sql`create extension if not exists pg_stat_statements`.execute(app.db);
    const { org } = await createOrganizationWithOwner(app.db, {
      slug: 'bench',
      name: 'Bench',
      minGroupSize: 5,
      ownerEmail: 'o@bench.example',
      ownerPassword: 'benchmark-password',
    });
    const token = (
      await app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { organization: 'bench', email: 'o@bench.example', password: 'benchmark-password' },
      })
    ).json().token as string;
    const auth = { authorization: `Bearer ${token}` };
    await app.inject({
      method: 'PUT',
      url: '/v1/roster/dimensions',
      headers: auth,
      payload: ['department', 'team', 'location', 'tenure_band', 'level', 'role_type'].map((key, i) => ({
        key,
        reportable: i !== 1,
      })),
    });
    const csv = rosterCsv(n);

    const rows = csv
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
    const t0 = performance.now();
    await sql`create table baseline_participants (external_id text, email text, name text, attributes jsonb)`.execute(
      app.db,
    );
    for (let i = 0; i < rows.length; i += 5000) {
      const batch = rows.slice(i, i + 5000);
      await sql`insert into baseline_participants select * from unnest(${batch.map((r) => r[0])}::text[], ${batch.map((r) => r[1])}::text[], ${batch.map((r) => r[2])}::text[], ${batch.map((r) => JSON.stringify({ department: r[3] }))}::jsonb[])`.execute(
        app.db,
      );
    }
    const baselineMs = performance.now() - t0;
    // A second baseline: the same rows inserted into a table shaped like participants (its keys,
    // unique index and defaults: `like … including all`, without foreign keys), so what the
    // table itself costs PostgreSQL shows apart from what the import adds.
    await sql`create table baseline_shaped (like participants including all)`.execute(app.db);
    const t0s = performance.now();
    for (let i = 0; i < rows.length; i += 5000) {
      const batch = rows.slice(i, i + 5000);
      await sql`insert into baseline_shaped (org_id, external_id, email, name, attributes, active)
        select ${org.id}, r.* , true from unnest(${batch.map((r) => r[0])}::text[], ${batch.map((r) => r[1] || null)}::text[], ${batch.map((r) => r[2] || null)}::text[], ${batch.map((r) => JSON.stringify({ department: r[3] }))}::jsonb[]) as r`.execute(
        app.db,
      );
    }
    const shapedMs = performance.now() - t0s;

    const t1 = performance.now();
    const imported = await app.inject({
      method: 'POST',
      url: '/v1/roster/import',
      headers: { ...auth, 'content-type': 'text/csv' },
      payload: csv,
    });
    const importMs = performance.now() - t1;
    if (imported.statusCode !== 200) throw new Error(imported.body);

    const survey = (
      await app.inject({
        method: 'POST',
        url: '/v1/surveys',
        headers: auth,
        payload: { template: 'pulse', delivery: 'download' },
      })
    ).json();
    const statements = async (what: string) => {
      if (!pgStats) return;
      const { rows } = await sql<{ total: number; calls: number; query: string }>`
        select round(total_exec_time::numeric) as total, calls, left(regexp_replace(query, '[[:space:]]+', ' ', 'g'), 120) as query
        from pg_stat_statements order by total_exec_time desc limit 8`.execute(app.db);
      console.log(
        `${what}, PostgreSQL's top statements:\n${rows.map((r) => `  ${r.total} ms, ${r.calls} calls: ${r.query}`).join('\n')}`,
      );
      await sql`select pg_stat_statements_reset()`.execute(app.db);
    };
    await statements('roster import');
    const t2 = performance.now();
    const opened = await app.inject({ method: 'POST', url: `/v1/surveys/${survey.id}/waves`, headers: auth });
    const openMs = performance.now() - t2;
    await statements('wave opening');
    if (opened.statusCode !== 201) throw new Error(opened.body);
    const invited = opened.json().invitations.length as number;

    const rate = (count: number, ms: number) => Math.round((count / ms) * 1000).toLocaleString('en');
    console.log(`participants: ${n}`);
    console.log(
      `baseline raw unnest insert (no validation): ${baselineMs.toFixed(0)} ms (${rate(n, baselineMs)} rows/s)`,
    );
    console.log(
      `roster import (CSV parse + validation + upsert): ${importMs.toFixed(0)} ms (${rate(n, importMs)} rows/s), ratio to baseline ${(baselineMs / importMs).toFixed(2)}`,
    );
    console.log(
      `baseline insert into a table shaped like participants (keys, unique index, defaults): ${shapedMs.toFixed(0)} ms (${rate(n, shapedMs)} rows/s); roster import ratio to it ${(shapedMs / importMs).toFixed(2)}`,
    );
    console.log(
      `wave opening (${invited} invitations: tokens, codes, keyed hashes, insert): ${openMs.toFixed(0)} ms (${rate(invited, openMs)} invitations/s)`,
    );

    // --import-and-open-only: stop here (profiling the two steps above with --cpu-prof).
    if (process.argv.includes('--import-and-open-only')) {
      await app.close();
      break whole;
    }

    // Settle cost. Each unsettled run is followed by an untimed VACUUM, so that the next settled
    // run pays only for its own rows; settled and unsettled runs alternate against drift.
    const timed = async (f: () => Promise<unknown>) => {
      const t = performance.now();
      await f();
      return performance.now() - t;
    };
    const reset = () => sql`vacuum (freeze, index_cleanup on) invitations, waves, surveys, mail_outbox`.execute(app.db);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    await reset();
    const delivery = { publicUrl: 'http://bench', emailEnabled: true };
    // The settle step alone, right after an unsettled job: exactly what the job adds.
    const settleAlone = (tables: SettledTable[]) =>
      timed(() => app.db.connection().execute((conn) => settleTables(conn, tables)));
    const waveTables = [...WAVE_TABLES];
    const costs = {
      open: { plain: [] as number[], settled: [] as number[], alone: [] as number[] },
      remind: { plain: [] as number[], settled: [] as number[], alone: [] as number[] },
    };
    const emailed: string[] = [];
    for (let round = 0; round < 3; round++) {
      for (const settled of [false, true]) {
        const s = await createSurvey(app.db, org.id, { template: 'pulse', delivery: 'email' });
        emailed.push(s.id);
        costs.open[settled ? 'settled' : 'plain'].push(
          await timed(() => openWave(app.db, app.keys, org.id, s.id, delivery, { enabled: settled })),
        );
        if (!settled) costs.open.alone.push(await settleAlone(waveTables));
        await sql`delete from mail_outbox`.execute(app.db);
        await reset();
      }
    }
    for (let round = 0; round < 3; round++) {
      for (const settled of [false, true]) {
        costs.remind[settled ? 'settled' : 'plain'].push(
          await timed(() =>
            remindNonResponders(app.db, app.keys, org.id, emailed[0]!, 'http://bench', {
              onlyIfDue: false,
              emailEnabled: true,
              settle: { enabled: settled },
            }),
          ),
        );
        if (!settled) costs.remind.alone.push(await settleAlone(['invitations', 'waves']));
        await sql`delete from mail_outbox`.execute(app.db);
        await reset();
      }
    }
    const line = (what: string, c: { plain: number[]; settled: number[]; alone: number[] }) =>
      console.log(
        `${what}: ${median(c.plain).toFixed(0)} ms without settle, ${median(c.settled).toFixed(0)} ms with (median of 3), ratio ${(median(c.settled) / median(c.plain)).toFixed(2)}; the settle step alone ${median(c.alone).toFixed(0)} ms, ratio (job + settle) / job ${((median(c.plain) + median(c.alone)) / median(c.plain)).toFixed(2)}`,
      );
    line(`wave opening, e-mail delivery (${invited} invitations)`, costs.open);
    line(`reminder (every e-mailed invitation re-issued)`, costs.remind);
    await app.close();
  }
} finally {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}
