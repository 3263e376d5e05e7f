import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.ts';
import { configWarnings, loadEnvConfig, StartupError } from './config.ts';
import { migrateToLatest } from './db/migrator.ts';
import { openRuntime } from './runtime.ts';
import { DEMO_OWNER_EMAIL, DEMO_ORG_SLUG, seedDemo, type DemoSeed } from './demo/seed.ts';

async function main(): Promise<void> {
  const env = loadEnvConfig();
  const startedAt = performance.now();
  const runtime = await openRuntime(env);
  const app = await buildApp(runtime.config).catch(async (error: unknown) => {
    await runtime.stop();
    throw error;
  });

  for (const warning of configWarnings(env)) app.log.warn(warning);

  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an error');
    else app.log.info({ signal }, 'shutting down');
    // app.close() stops accepting connections, lets in-flight requests finish, then closes the pool.
    await app.close();
    await runtime.stop();
  });

  const applied = await migrateToLatest(app.db);
  if (applied.length > 0) app.log.info({ migrations: applied }, 'migrations applied');
  const address = await app.listen({ port: env.PORT, host: env.HOST });
  app.log.info({ demo: runtime.demo, startupMs: Math.round(performance.now() - startedAt) }, 'quorum listening');

  if (runtime.demo)
    printDemoBanner(
      address,
      runtime.config.publicUrl,
      await seedDemo(app.db, app.keys, runtime.config.minGroupSize, runtime.config.publicUrl),
    );
}

function printDemoBanner(address: string, publicUrl: string, seeded: DemoSeed | null): void {
  const credentials = seeded
    ? [
        `  organization: ${DEMO_ORG_SLUG}`,
        `  owner:        ${DEMO_OWNER_EMAIL}`,
        `  password:     ${seeded.password}    (shown only this once)`,
        `  A "${seeded.sample.surveyTitle}" wave is open for 44 demo employees. One of their invitations:`,
        `    link:  ${publicUrl}/s/${seeded.sample.token}   (open it in a browser: this is what the e-mail carries)`,
        `    code:  ${seeded.sample.code}   (typed at a kiosk for organization "${DEMO_ORG_SLUG}")`,
        `    answer it now through the API: curl -s ${address}/v1/respond/session -H 'content-type: application/json' -d '{"token":"${seeded.sample.token}"}'`,
      ]
    : [
        `  The demo organization "${DEMO_ORG_SLUG}" exists; its owner password was printed at the first start.`,
        `  Forgot it? npm run cli -- reset-password --org ${DEMO_ORG_SLUG} --email ${DEMO_OWNER_EMAIL}`,
      ];
  const password = seeded?.password ?? '<password>';
  process.stdout.write(
    [
      '',
      'Quorum is running in demo mode (embedded PostgreSQL, data in DATA_DIR).',
      ...credentials,
      `  API docs:     ${address}/docs`,
      '  Try it:',
      `    curl -s ${address}/v1/auth/login -H 'content-type: application/json' \\`,
      `      -d '{"organization":"${DEMO_ORG_SLUG}","email":"${DEMO_OWNER_EMAIL}","password":"${password}"}'`,
      '',
    ].join('\n') + '\n',
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof StartupError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
