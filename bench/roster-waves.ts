// Roster import and wave opening at scale, each beside a baseline measured in the same run:
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

const n = Number(process.argv[2] ?? 100_000);
const dir = await mkdtemp(path.join(tmpdir(), 'quorum-bench-'));
await chmod(dir, 0o755);
const server = await startEmbeddedPostgres({
  dataDir: path.join(dir, 'pg'),
  port: 55000 + Math.floor(Math.random() * 1000),
  password: 'bench',
  persistent: false,
});
try {
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
  await createOrganizationWithOwner(app.db, {
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
    await app.inject({ method: 'POST', url: '/v1/surveys', headers: auth, payload: { template: 'pulse' } })
  ).json();
  const t2 = performance.now();
  const opened = await app.inject({ method: 'POST', url: `/v1/surveys/${survey.id}/waves`, headers: auth });
  const openMs = performance.now() - t2;
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
    `wave opening (${invited} invitations: tokens, codes, keyed hashes, insert): ${openMs.toFixed(0)} ms (${rate(invited, openMs)} invitations/s)`,
  );
  await app.close();
} finally {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}
