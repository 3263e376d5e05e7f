// The data of the report benchmarks: responses generated, generalised and counted exactly as the
// mixer does (generalise, countAnswers, addCounters), in release batches, in an app on its own
// embedded PostgreSQL. Shared by reports.ts (the API) and results-pages.ts (the HR dashboard).
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { buildApp } from '../src/app.ts';
import { startEmbeddedPostgres } from '../src/db/embedded.ts';
import { migrateToLatest } from '../src/db/migrator.ts';
import { ensureDatabase } from '../src/runtime.ts';
import { createOrganizationWithOwner } from '../src/orgs/service.ts';
import { generalise } from '../src/anonymity/generalise.ts';
import { addCounters, countAnswers } from '../src/reports/counters.ts';
import type { SurveyDefinition } from '../src/surveys/questions.ts';
import { rosterCsv } from '../test/fixtures/roster.ts';

const themes = ['engage', 'inform', 'inspire', 'instruct', 'reward', 'wellbeing', 'workload', 'growth'];
export const definition: SurveyDefinition = {
  title: { en: 'Bench' },
  languages: ['en'],
  defaultLanguage: 'en',
  questions: [
    ...Array.from({ length: 16 }, (_, i) => ({
      id: `q${i + 1}`,
      type: 'likert5' as const,
      theme: themes[i % themes.length],
      text: { en: `Q${i + 1}` },
      required: true,
    })),
    { id: 'enps', type: 'scale0_10', text: { en: 'eNPS' }, required: true },
    {
      id: 'shift',
      type: 'single_choice',
      text: { en: 'Shift' },
      required: true,
      options: ['day', 'night', 'mixed'].map((id) => ({ id, text: { en: id } })),
    },
    {
      id: 'stress',
      type: 'multi_choice',
      text: { en: 'Stress' },
      required: false,
      options: ['load', 'customers', 'targets', 'shifts'].map((id) => ({ id, text: { en: id } })),
    },
    { id: 'comment', type: 'text', text: { en: 'Comment' }, required: false, maxLength: 2000 },
  ],
};

/** An app with one closed wave of `total` responses (and a third more invitations), ready to read. */
export async function reportData(total: number, batch: number) {
  const dir = await mkdtemp(path.join(tmpdir(), 'quorum-bench-'));
  await chmod(dir, 0o755);
  const server = await startEmbeddedPostgres({
    dataDir: path.join(dir, 'pg'),
    port: 56000 + Math.floor(Math.random() * 1000),
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
      payload: ['department', 'location', 'tenure_band'].map((key) => ({ key, reportable: true })),
    });
    await app.inject({
      method: 'PATCH',
      url: '/v1/organization',
      headers: auth,
      payload: { reportablePairs: [['department', 'location']] },
    });
    const survey = (
      await app.inject({ method: 'POST', url: '/v1/surveys', headers: auth, payload: { definition } })
    ).json();
    const wave = await app.db
      .insertInto('waves')
      .values({ org_id: org.id, survey_id: survey.id, number: 1, status: 'closed' })
      .returning('id')
      .executeTakeFirstOrThrow();

    // A quarter of those invited do not answer, as in a real wave: the planner withholds groups
    // with fewer than k non-responders (P7), so a wave without invitations would hide everything.
    const invitedTotal = Math.ceil((total * 4) / 3);
    const everyone = rosterCsv(invitedTotal)
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
    const roster = everyone.slice(0, total);
    const invitedAttributes = everyone.map((r) =>
      JSON.stringify({ department: r[3]!, location: r[5]!, tenure_band: r[6]! }),
    );
    for (let start = 0; start < invitedTotal; start += 10_000)
      await sql`insert into invitations (org_id, wave_id, token_hash, code_hash, attributes)
        select ${org.id}, ${wave.id}, sha256(convert_to(gen_random_uuid()::text, 'utf8')), sha256(convert_to(gen_random_uuid()::text, 'utf8')), a::jsonb
        from unnest(${invitedAttributes.slice(start, start + 10_000)}::text[]) as t(a)`.execute(app.db);
    let seed = 7;
    // The high bits: an LCG's low bits cycle (its lowest alternates), which once left stress and comment never answered.
    const rand = (n: number) => Math.floor(((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32) * n);
    const t0 = performance.now();
    for (let start = 0; start < total; start += batch) {
      const people = roster.slice(start, start + batch);
      const attributes = people.map((r) => ({ department: r[3]!, location: r[5]!, tenure_band: r[6]! }));
      const answers = people.map(() => {
        const a: Record<string, number | string | string[]> = {};
        for (let i = 1; i <= 16; i++) a[`q${i}`] = 1 + rand(5);
        a.enps = rand(11);
        a.shift = ['day', 'night', 'mixed'][rand(3)]!;
        if (rand(2)) a.stress = ['load', 'customers'].slice(0, 1 + rand(2));
        if (rand(4) === 0) a.comment = 'Something about the week';
        return a;
      });
      const released = generalise(attributes, ['department', 'location', 'tenure_band'], 5);
      await app.db.transaction().execute(async (trx) => {
        await sql`insert into responses (org_id, survey_id, wave_id, attributes, answers)
          select ${org.id}, ${survey.id}, ${wave.id}, a::jsonb, x::jsonb from unnest(${released.map((r) => JSON.stringify(r))}::text[], ${answers.map((r) => JSON.stringify(r))}::text[]) as t(a, x)`.execute(
          trx,
        );
        await addCounters(
          trx,
          org.id,
          wave.id,
          countAnswers(
            definition,
            released.map((combo, i) => ({ combo, answers: answers[i]! })),
          ),
        );
      });
    }
    await sql`vacuum analyze responses`.execute(app.db);
    await sql`vacuum analyze answer_counts`.execute(app.db);
    const loadMs = performance.now() - t0;
    const counterRows = (
      await app.db
        .selectFrom('answer_counts')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n;

    return {
      app,
      org,
      survey: survey as { id: string },
      wave,
      auth,
      loadMs,
      counterRows,
      close: async () => {
        await app.close();
        await server.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
