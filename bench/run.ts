// npm run bench [-- --quick]: the whole benchmark, written to bench/results.md and bench/results.json.
// The app runs as its own process (node src/server.ts) on an embedded PostgreSQL; autocannon
// loads it from this process over loopback. Every figure sits beside a baseline from the same run.
import { execFileSync, spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import pg from 'pg';
import { sql } from 'kysely';
import { startEmbeddedPostgres } from '../src/db/embedded.ts';
import { createDb } from '../src/db/connection.ts';
import { migrateToLatest } from '../src/db/migrator.ts';
import { ensureDatabase } from '../src/runtime.ts';
import { deriveKeys } from '../src/crypto/tokens.ts';
import { registerBatchKeys } from '../src/anonymity/batch-keys.ts';
import { createOrganizationWithOwner } from '../src/orgs/service.ts';
import { importRoster, replaceDimensions } from '../src/roster/service.ts';
import { createSurvey, openWave } from '../src/surveys/service.ts';
import { issueSurveySession } from '../src/responses/survey-session.ts';
import { sealedPlaintextSize, snapshotDigest } from '../src/anonymity/sealed-box.ts';
import type { Attributes } from '../src/db/schema.ts';
import { findTemplate } from '../src/surveys/templates.ts';
import { cpuMeter, postmasterPid } from './cpu.ts';
import { runFlow, type Flow } from './flows.ts';

const quick = process.argv.includes('--quick');
// --pg-stats: load pg_stat_statements and sample wait events during the submit steps (profiling only).
const pgStats = process.argv.includes('--pg-stats');
// Whole respondents per flow (API and HTML), 32 at a time.
const FLOW_RESPONDENTS = quick ? 1_000 : 3_000;
const FLOW_CONCURRENCY = 32;
// The invitations table holds at least this many rows during the loads (issue 16: 1,000,000 in the
// full run): other surveys' waves of up to 250,000 invitations each (a wave's cap, docs/codes.md).
const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const TABLE_INVITATIONS = Number(arg('invitations') ?? (quick ? 0 : 1_000_000));
const HERE = import.meta.dirname;
const CONCURRENCY = [16, 64, 256];
const PER_STEP = quick ? 1_500 : 4_000;
const REPEATS = quick ? 1 : 3;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const randomIp = () => `10.${[...randomBytes(3)].join('.')}`;
const log = (s: string) => process.stdout.write(`${s}\n`);

const dir = await mkdtemp(path.join(tmpdir(), 'quorum-bench-'));
await chmod(dir, 0o755);
const pgPort = 57000 + Math.floor(Math.random() * 1000);
const server = await startEmbeddedPostgres({
  dataDir: path.join(dir, 'pg'),
  port: pgPort,
  password: 'bench',
  persistent: false,
  settings: {
    max_connections: '400',
    ...(pgStats
      ? {
          shared_preload_libraries: 'pg_stat_statements',
          'pg_stat_statements.track': 'all',
          'pg_stat_statements.track_planning': 'on',
        }
      : {}),
  },
});
const pepper = randomBytes(32);
const keys = deriveKeys(pepper);
let app: ReturnType<typeof spawn> | undefined;

try {
  // A labelled block: the early stops below break out of it, so `finally` still stops the server
  // (process.exit here left one embedded PostgreSQL running per --submit-only run).
  whole: {
    await ensureDatabase(server.urlFor('postgres'), 'bench');
    const url = server.urlFor('bench');
    const db = createDb({ connectionString: url, max: 4 });
    // The seeding opens waves as the app would, and an opening makes the wave's first key: in the
    // app's own key folder (BOX_KEY_DIR below), so the app finds it.
    registerBatchKeys(keys, path.join(dir, 'box-keys'), db);
    await migrateToLatest(db);
    const pgVersion = (await sql<{ v: string }>`select version() as v`.execute(db)).rows[0]!.v;
    if (pgStats) await sql`create extension if not exists pg_stat_statements`.execute(db);
    const pgLeader = await postmasterPid(path.join(dir, 'pg'));

    // Seed directly (same pepper as the app): an organization, a roster, a pulse with one open wave.
    const participants = CONCURRENCY.length * PER_STEP * REPEATS + 2 * FLOW_RESPONDENTS + 200;
    const { org } = await createOrganizationWithOwner(db, {
      slug: 'bench',
      name: 'Bench',
      minGroupSize: 5,
      ownerEmail: 'o@bench.example',
      ownerPassword: 'benchmark-password',
    });
    await replaceDimensions(db, org.id, [
      { key: 'department', reportable: true },
      { key: 'location', reportable: true },
    ]);
    const departments = ['Support', 'Sales', 'Engineering', 'Operations'];
    await importRoster(
      db,
      org.id,
      Array.from({ length: participants }, (_, i) => ({
        externalId: `B${i}`,
        email: null,
        name: null,
        attributes: { department: departments[i % 4]!, location: i % 3 ? 'Seoul' : 'Warszawa' },
      })),
      'upsert',
    );
    // Named links (download): the 'codes' default issues no per-person invitation to load with.
    const survey = await createSurvey(db, org.id, { template: 'pulse', delivery: 'download' });
    const { wave } = await openWave(db, keys, org.id, survey.id, { publicUrl: 'http://bench', emailEnabled: false });
    // A second survey's wave for the whole-respondent flows: its link tokens are spent there only.
    const flowSurvey = await createSurvey(db, org.id, { template: 'pulse', delivery: 'download' });
    const flowTokens = (
      await openWave(db, keys, org.id, flowSurvey.id, { publicUrl: 'http://bench', emailEnabled: false })
    ).distribution.map((d) => d.token);
    // Filler: participants of their own department, invited by surveys whose audience is only them.
    let fillerWaves = 0;
    let tableLine = '';
    if (TABLE_INVITATIONS > 0) {
      const perWave = Math.min(250_000, TABLE_INVITATIONS);
      const t0 = performance.now();
      await importRoster(
        db,
        org.id,
        Array.from({ length: perWave }, (_, i) => ({
          externalId: `F${i}`,
          email: null,
          name: null,
          attributes: { department: 'Filler', location: 'Seoul' },
        })),
        'upsert',
      );
      for (let n = 0; n < TABLE_INVITATIONS; n += perWave) {
        const filler = await createSurvey(db, org.id, {
          template: 'pulse',
          delivery: 'download',
          audience: { filter: { department: ['Filler'] } },
        });
        await openWave(db, keys, org.id, filler.id, { publicUrl: 'http://bench', emailEnabled: false });
        fillerWaves++;
      }
      tableLine = `invitations table: ${
        (
          await db
            .selectFrom('invitations')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n
      } rows (${fillerWaves} filler waves, seeded in ${((performance.now() - t0) / 1000).toFixed(0)} s)`;
      log(tableLine);
    }
    const invitationIds = (
      await db
        .selectFrom('invitations')
        .select(['id', 'attributes'])
        .where('org_id', '=', org.id)
        .where('wave_id', '=', wave.id)
        .execute()
    ).map((i) => ({ id: i.id, digest: snapshotDigest(i.attributes as Attributes) }));
    if (invitationIds.length < participants)
      throw new Error(`the wave holds ${invitationIds.length} invitations, the run needs ${participants}`);
    let nextInvitation = 0;
    const sessions = (n: number) =>
      invitationIds
        .slice(nextInvitation, (nextInvitation += n))
        // As the token exchange issues them (src/responses/service.ts startSession).
        .map(
          ({ id, digest }) =>
            issueSurveySession(keys, {
              orgId: org.id,
              invitationId: id,
              submit: { waveId: wave.id, surveyId: survey.id, snapshotDigest: digest, minGroupSize: 5 },
            }).token,
        );
    const answerValues = {
      week: 4,
      workload: 3,
      support: 5,
      recognition: 4,
      share: 'A short comment about the week, like most people write.',
    };
    const answers = JSON.stringify({ answers: answerValues });

    // The app, as its own process.
    const appPort = 3900 + Math.floor(Math.random() * 90);
    // --profile writes a V8 CPU profile of the app process to bench/profiles/ (open in Chrome DevTools).
    const profile = process.argv.includes('--profile')
      ? ['--cpu-prof', `--cpu-prof-dir=${path.join(HERE, 'profiles')}`]
      : [];
    // The same flags as `npm start` (package.json) and the Dockerfile.
    app = spawn(
      process.execPath,
      [...profile, '--max-semi-space-size=4', '--heap-growing-percent=50', 'src/server.ts'],
      {
        // BENCH_APP_DIR: the app of another checkout (a same-machine A/B against an older version).
        cwd: process.env.BENCH_APP_DIR ?? path.resolve(HERE, '..'),
        env: {
          ...process.env,
          DATABASE_URL: url,
          TOKEN_PEPPER: pepper.toString('hex'),
          PORT: String(appPort),
          LOG_LEVEL: 'warn',
          TRUST_PROXY: 'true',
          DB_POOL_SIZE: process.env.BENCH_DB_POOL_SIZE ?? '20',
          SCHEDULER_INTERVAL_SECONDS: '0',
          // The sealed box's epoch keys (crypto-shredding) in the benchmark's own folder.
          BOX_KEY_DIR: path.join(dir, 'box-keys'),
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    const base = `http://127.0.0.1:${appPort}`;
    for (let i = 0; i < 100; i++) {
      if (
        await fetch(`${base}/readyz`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 100));
    }

    const run = (opts: autocannon.Options) =>
      new Promise<autocannon.Result>((resolve, reject) =>
        autocannon(opts, (err, result) => (err ? reject(err) : resolve(result))),
      );
    const counts = async () => {
      const one = async (table: 'participation' | 'sealed_responses' | 'responses') =>
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('org_id', '=', org.id)
            .executeTakeFirstOrThrow()
        ).n;
      return {
        participation: await one('participation'),
        stored: (await one('sealed_responses')) + (await one('responses')),
      };
    };

    // Profiling (--pg-stats): what the app's backends wait on, sampled every 10 ms from one connection.
    const sampleWaits = async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const tally = new Map<string, number>();
      let samples = 0;
      let stop = false;
      const loop = (async () => {
        while (!stop) {
          const { rows } = await client.query<{ w: string; n: number }>(
            `select coalesce(wait_event_type || ':' || wait_event, 'CPU') as w, count(*)::int as n from pg_stat_activity
           where application_name = 'quorum' and state = 'active' group by 1`,
          );
          samples++;
          for (const r of rows) tally.set(r.w, (tally.get(r.w) ?? 0) + r.n);
          await new Promise((r) => setTimeout(r, 10));
        }
      })();
      return async () => {
        stop = true;
        await loop;
        await client.end();
        return [...tally]
          .sort((a, b) => b[1] - a[1])
          .map(([w, n]) => `  ${w}: ${(n / samples).toFixed(2)} backends on average`)
          .join('\n');
      };
    };
    const topStatements = async () => {
      const { rows } = await sql<{
        calls: number;
        total: number;
        mean: number;
        plan: number;
        plans: number;
        query: string;
      }>`
      select calls, round(total_exec_time::numeric, 0) as total, round(mean_exec_time::numeric, 3) as mean,
        round(mean_plan_time::numeric, 3) as plan, plans,
        left(regexp_replace(query, '[[:space:]]+', ' ', 'g'), 140) as query
      from pg_stat_statements where dbid = (select oid from pg_database where datname = current_database())
      order by total_exec_time desc limit 12`.execute(db);
      return rows
        .map(
          (r) =>
            `  ${r.total} ms total, ${r.calls} calls, ${r.mean} ms mean (planned ${r.plans} times, ${r.plan} ms mean): ${r.query}`,
        )
        .join('\n');
    };

    // Baseline: the same number of durable single-statement transactions inserting a row of the
    // sealed box's size, from the same number of concurrent connections.
    await sql`create table bench_baseline (org_id uuid not null, id uuid not null default gen_random_uuid(), wave_id uuid not null, sealed bytea not null, primary key (org_id, id))`.execute(
      db,
    );
    // Boxes have one size per survey (SPEC P1): the baseline row has it. A second baseline inserts
    // the ~330 bytes an unpadded box of these answers took, so the cost of padding shows as a ratio.
    const boxSize = sealedPlaintextSize(findTemplate('pulse')!.definition) + 28;
    const UNPADDED_BOX = 330;
    async function baseline(connections: number, amount: number, rowBytes = boxSize) {
      const pool = new pg.Pool({ connectionString: url, max: connections });
      const latencies: number[] = [];
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: connections }, async () => {
          while (next < amount) {
            next++;
            const t0 = performance.now();
            await pool.query('insert into bench_baseline (org_id, wave_id, sealed) values ($1, $2, $3)', [
              org.id,
              wave.id,
              randomBytes(rowBytes),
            ]);
            latencies.push(performance.now() - t0);
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      await pool.end();
      return {
        rps: amount / seconds,
        p50: median(latencies),
        p99: [...latencies].sort((a, b) => a - b)[Math.floor(latencies.length * 0.99)]!,
      };
    }

    let peakRss = 0;
    const sampleRss = async () => {
      const status = await readFile(`/proc/${app!.pid}/status`, 'utf8').catch(() => '');
      peakRss = Math.max(peakRss, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024);
    };
    // What the app holds before any load (its modules, the pool, the reports' worker thread).
    const idleRssMb = Math.round(
      Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${app.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024,
    );
    log(`RSS of the app before any load: ${idleRssMb} MB`);

    const submitRows: Array<Record<string, number | string>> = [];
    for (const connections of CONCURRENCY) {
      const app_: Array<{ rps: number; p50: number; p99: number; appCpuMs: number; pgCpuMs: number }> = [];
      const base_: Array<{ rps: number; p50: number; p99: number }> = [];
      const unpadded_: Array<{ rps: number; p50: number; p99: number }> = [];
      for (let r = 0; r < REPEATS; r++) {
        const tokens = sessions(PER_STEP);
        let i = 0;
        const before = await counts();
        const cpu = await cpuMeter(app!.pid!, pgLeader);
        const waits = pgStats && connections === 64 ? await sampleWaits() : undefined;
        if (pgStats && connections === 64) await sql`select pg_stat_statements_reset()`.execute(db);
        const result = await run({
          url: base,
          connections,
          amount: PER_STEP,
          // autocannon ends an `amount` run on its next sample tick (default every second), so its
          // duration was rounded up to whole seconds: 1,500 answers in 2.1 s read as 3 s (498/s),
          // in 3.2 s as 4 s (374/s) — the "flat" throughput. A 10 ms tick makes it exact enough.
          sampleInt: 10,
          requests: [
            {
              method: 'POST',
              path: '/v1/respond/submit',
              setupRequest: (req) => ({
                ...req,
                headers: {
                  'content-type': 'application/json',
                  authorization: `Bearer ${tokens[i++ % tokens.length]}`,
                  'x-forwarded-for': randomIp(),
                },
                body: answers,
              }),
            },
          ],
        });
        const spent = await cpu();
        if (waits) log(`wait events of the app's backends at 64 concurrent (samples every 10 ms):\n${await waits()}`);
        if (pgStats && connections === 64) log(`pg_stat_statements at 64 concurrent:\n${await topStatements()}`);
        await sampleRss();
        const after = await counts();
        const ok = result['2xx'];
        // Every acknowledged answer stored exactly once: one marker and one response per 2xx.
        if (after.participation - before.participation !== ok || after.stored - before.stored !== ok)
          throw new Error(
            `stored ${after.stored - before.stored} / markers ${after.participation - before.participation} for ${ok} acknowledged`,
          );
        if (result.non2xx > 0) {
          // Show what the app answered, with a fresh token, before giving up.
          const probe = await fetch(`${base}/v1/respond/submit`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${sessions(1)[0]}` },
            body: answers,
          });
          throw new Error(
            `${result.non2xx} non-2xx answers at ${connections} connections; a fresh submit: ${probe.status} ${await probe.text()}`,
          );
        }
        app_.push({
          rps: ok / result.duration, // duration is in seconds
          p50: result.latency.p50,
          p99: result.latency.p99,
          appCpuMs: (spent.app / ok) * 1000,
          pgCpuMs: (spent.pg / ok) * 1000,
        });
        base_.push(await baseline(Math.min(connections, 300), PER_STEP));
        unpadded_.push(await baseline(Math.min(connections, 300), PER_STEP, UNPADDED_BOX));
      }
      const a = {
        rps: median(app_.map((x) => x.rps)),
        p50: median(app_.map((x) => x.p50)),
        p99: median(app_.map((x) => x.p99)),
      };
      const b = {
        rps: median(base_.map((x) => x.rps)),
        p50: median(base_.map((x) => x.p50)),
        p99: median(base_.map((x) => x.p99)),
      };
      submitRows.push({
        connections,
        appRps: Math.round(a.rps),
        appP50: a.p50,
        appP99: a.p99,
        baselineRps: Math.round(b.rps),
        baselineP50: +b.p50.toFixed(1),
        baselineP99: +b.p99.toFixed(1),
        ratio: +(a.rps / b.rps).toFixed(2),
        appCpuMsPerAnswer: +median(app_.map((x) => x.appCpuMs)).toFixed(2),
        pgCpuMsPerAnswer: +median(app_.map((x) => x.pgCpuMs)).toFixed(2),
        paddedVsUnpaddedInsert: +(b.rps / median(unpadded_.map((x) => x.rps))).toFixed(2),
      });
      log(
        `submit @${connections}: ${Math.round(a.rps)} answers/s (p50 ${a.p50} ms, p99 ${a.p99} ms) vs baseline ${Math.round(b.rps)} inserts/s of ${boxSize} B → ratio ${(a.rps / b.rps).toFixed(2)}; CPU per answer app ${median(app_.map((x) => x.appCpuMs)).toFixed(2)} ms, PostgreSQL ${median(app_.map((x) => x.pgCpuMs)).toFixed(2)} ms; padded vs ${UNPADDED_BOX} B inserts ${(b.rps / median(unpadded_.map((x) => x.rps))).toFixed(2)}`,
      );
    }

    // Survey fetch for employees vs a hello-world route of the same app.
    const fetchToken = sessions(1)[0]!;
    const fetchDuration = quick ? 4 : 8;
    const surveyFetch = await run({
      url: `${base}/v1/respond/survey`,
      connections: 32,
      duration: fetchDuration,
      headers: { authorization: `Bearer ${fetchToken}` },
    });
    const hello = await run({ url: `${base}/healthz`, connections: 32, duration: fetchDuration });
    const fetchRatio = surveyFetch.requests.average / hello.requests.average;
    log(
      `survey fetch: ${Math.round(surveyFetch.requests.average)} req/s vs hello-world ${Math.round(hello.requests.average)} req/s → ratio ${fetchRatio.toFixed(2)}`,
    );
    await sampleRss();

    // Whole respondents, API and HTML, each with its own link token: CPU seconds per 1000 answers.
    const flowRows: Array<Record<string, number | string>> = [];
    let flowNext = 0;
    for (const flow of ['api', 'html'] as Flow[]) {
      const tokens = flowTokens.slice(flowNext, (flowNext += FLOW_RESPONDENTS));
      const cpu = await cpuMeter(app.pid!, pgLeader);
      const r = await runFlow(new URL(base), flow, tokens, FLOW_CONCURRENCY, answerValues);
      const spent = await cpu();
      await sampleRss();
      flowRows.push({
        flow,
        respondentsPerSecond: Math.round(r.rps),
        p50: +r.p50.toFixed(1),
        p99: +r.p99.toFixed(1),
        appCpuSecondsPer1000: +((spent.app / tokens.length) * 1000).toFixed(2),
        pgCpuSecondsPer1000: +((spent.pg / tokens.length) * 1000).toFixed(2),
      });
      log(
        `respondent flow (${flow}, ${tokens.length} respondents, ${FLOW_CONCURRENCY} at a time): ${Math.round(r.rps)} answers/s (p50 ${r.p50.toFixed(0)} ms, p99 ${r.p99.toFixed(0)} ms per respondent); CPU per 1000 answers: app ${((spent.app / tokens.length) * 1000).toFixed(2)} s, PostgreSQL ${((spent.pg / tokens.length) * 1000).toFixed(2)} s`,
      );
    }

    app.kill('SIGTERM');
    await new Promise((resolve) => app!.once('exit', resolve));
    await db.destroy();
    if (process.argv.includes('--submit-only')) {
      log(`peak RSS of the app: ${Math.round(peakRss / 2 ** 20)} MB`);
      break whole;
    }

    // Import, wave opening and reports are their own scripts (each prints its baseline beside it).
    const script = (file: string, args: string[]) =>
      execFileSync(process.execPath, [path.join(HERE, file), ...args], { encoding: 'utf8', maxBuffer: 1 << 26 }).trim();
    const rosterOut = script('roster-waves.ts', [String(quick ? 20_000 : 100_000)]);
    log(rosterOut);
    const reportsOut = script('reports.ts', [String(quick ? 20_000 : 100_000)]);
    log(reportsOut);
    const reportsMillion = quick ? '' : script('reports.ts', ['1000000', '10000']);
    if (reportsMillion) log(reportsMillion);
    const pagesOut = script('results-pages.ts', [String(quick ? 20_000 : 100_000)]);
    log(pagesOut);

    const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}, ${pgVersion.split(',')[0]}`;
    const results = {
      date: new Date().toISOString().slice(0, 10),
      quick,
      machine,
      submit: submitRows,
      surveyFetch: {
        rps: Math.round(surveyFetch.requests.average),
        helloRps: Math.round(hello.requests.average),
        ratio: +fetchRatio.toFixed(2),
      },
      respondentFlows: flowRows,
      invitationsTable: tableLine,
      peakRssMb: Math.round(peakRss / 2 ** 20),
      rosterOut,
      reportsOut,
      reportsMillion,
      pagesOut,
    };
    await writeFile(path.join(HERE, 'results.json'), JSON.stringify(results, null, 2) + '\n');
    const md = `# Benchmark results

${results.date}${quick ? ' (quick run)' : ''} · ${machine}. Medians of ${REPEATS} run(s) per step; every figure beside a baseline measured in the same run.

## 1. Submit path (token check + validation + durable, unlinkable storage)

${PER_STEP} answers per step, each with its own token${tableLine ? ` (${tableLine})` : ''}. Baseline: as many durable single-statement transactions inserting a ${boxSize}-byte row, from as many concurrent connections. After every step the run checks that each acknowledged answer is stored exactly once.

| concurrent | answers/s | p50 ms | p99 ms | baseline inserts/s | baseline p50 | baseline p99 | ratio | CPU ms per answer: app / PostgreSQL |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
${submitRows.map((r) => `| ${r.connections} | ${r.appRps} | ${r.appP50} | ${r.appP99} | ${r.baselineRps} | ${r.baselineP50} | ${r.baselineP99} | ${r.ratio} | ${r.appCpuMsPerAnswer} / ${r.pgCpuMsPerAnswer} |`).join('\n')}

CPU is read from /proc (utime + stime): the app's process (all its threads), and PostgreSQL's postmaster with every backend (ended ones included), over each step.

### Whole respondents, API and HTML

${FLOW_RESPONDENTS} respondents per flow, ${FLOW_CONCURRENCY} at a time, each with its own link: API \`POST /v1/respond/session\` → \`GET /v1/respond/survey\` → \`POST /v1/respond/submit\`; HTML \`GET /s/:token\` → \`GET /survey\` → \`POST /survey\` (form).

| flow | respondents/s | p50 ms | p99 ms | CPU s per 1000 answers: app | PostgreSQL |
| --- | --- | --- | --- | --- | --- |
${flowRows.map((r) => `| ${r.flow} | ${r.respondentsPerSecond} | ${r.p50} | ${r.p99} | ${r.appCpuSecondsPer1000} | ${r.pgCpuSecondsPer1000} |`).join('\n')}

## 2. Survey fetch for employees

${results.surveyFetch.rps} req/s vs ${results.surveyFetch.helloRps} req/s for a hello-world route of the same app (32 connections): ratio ${results.surveyFetch.ratio}.

## 3. Reports

\`\`\`
${reportsOut}${reportsMillion ? `\n\n${reportsMillion}` : ''}
\`\`\`

## 3b. Results pages of the HR dashboard (\`results-pages.ts\`)

Each page warm (median via inject with the owner's session cookie) beside the report API route serving the same numbers; target ≤ 100 ms per page.

\`\`\`
${pagesOut}
\`\`\`

## 4. Roster import and wave opening

\`\`\`
${rosterOut}
\`\`\`

## 5. Memory

Peak RSS of the app process through the submit, fetch and respondent loads: ${results.peakRssMb} MB (target under 250 MB); ${idleRssMb} MB before any load.
`;
    if (!quick)
      await writeFile(
        path.join(HERE, 'results.md'),
        md + (await readFile(path.join(HERE, 'notes.md'), 'utf8').catch(() => '')),
      );
    else log(md);
  }
} finally {
  app?.kill('SIGKILL');
  await server.stop();
  await rm(dir, { recursive: true, force: true });
}
