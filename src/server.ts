import closeWithGrace from 'close-with-grace';
import { buildApp, type App } from './app.ts';
import { configWarnings, loadEnvConfig, StartupError } from './config.ts';
import { migrateToLatest } from './db/migrator.ts';
import { settingsAtOdds } from './anonymity/server-settings.ts';
import { reportUnrecoverable } from './health/liveness.ts';
import { openRuntime, type Runtime } from './runtime.ts';
import { DEMO_OWNER_EMAIL, DEMO_ORG_SLUG, demoOwnerPasswordWorks, seedDemo } from './demo/seed.ts';

/**
 * Longest a shutdown may take before the process exits 1 anyway. Draining requests and stopping
 * the embedded database (EMBEDDED_STOP_LIMIT_MS, 5 s) must fit inside it with room to spare:
 * a stop limit equal to the grace delay races it, and the loser is an exit 1 with the database
 * still running.
 */
const GRACE_DELAY_MS = 10_000;
/** After the database is lost for good, /healthz answers 503 this long before the port closes. */
const UNHEALTHY_WINDOW_MS = 1_000;

async function main(): Promise<void> {
  const env = loadEnvConfig();
  const startedAt = performance.now();
  // The runtime's callbacks may fire before the app exists (while it is built) or after.
  const built: { app?: App } = {};
  let shuttingDown: Promise<void> | undefined;
  const shutdown = (runtime: Runtime) =>
    (shuttingDown ??= (async () => {
      // app.close() stops accepting connections, lets in-flight requests finish, then closes the pool.
      await built.app?.close();
      await runtime.stop();
    })());

  const runtime: Runtime = await openRuntime(env, {
    onDatabaseRestart: ({ attempt, ended, downMs }) =>
      downMs === undefined
        ? built.app?.log.error({ attempt, ended }, 'embedded PostgreSQL ended unexpectedly; restarting it')
        : built.app?.log.warn({ attempt, downMs }, 'embedded PostgreSQL restarted'),
    onDatabaseLost: (error) => {
      reportUnrecoverable(error.message);
      built.app?.log.fatal(
        { err: error },
        'embedded PostgreSQL is gone for good; exiting 1 so a supervisor restarts Quorum',
      );
      setTimeout(() => {
        const limit = setTimeout(() => process.exit(1), GRACE_DELAY_MS);
        void shutdown(runtime).finally(() => {
          clearTimeout(limit);
          process.exit(1);
        });
      }, UNHEALTHY_WINDOW_MS);
    },
  });
  const app = (built.app = await buildApp(runtime.config).catch(async (error: unknown) => {
    await runtime.stop();
    throw error;
  }));
  const log = app.log;

  for (const warning of configWarnings(env)) log.warn(warning);

  closeWithGrace({ delay: GRACE_DELAY_MS }, async ({ signal, err }) => {
    if (err) log.error({ err }, 'shutting down after an error');
    else log.info({ signal }, 'shutting down');
    await shutdown(runtime);
  });

  // A failed start stops what it started: an embedded PostgreSQL left behind would hold DATA_DIR.
  const address = await (async () => {
    const applied = await migrateToLatest(app.db);
    if (applied.length > 0) log.info({ migrations: applied }, 'migrations applied');
    const atOdds = await settingsAtOdds(app.db);
    if (atOdds.length > 0)
      log.warn(
        { settings: atOdds },
        'PostgreSQL keeps more at rest than Quorum expects (logs, WAL): see docs/privacy.md, "Time"',
      );
    return app.listen({ port: env.PORT, host: env.HOST }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EADDRINUSE' && error.code !== 'EACCES' && error.code !== 'EADDRNOTAVAIL') throw error;
      throw new StartupError(
        `quorum: cannot listen on ${env.HOST}:${env.PORT} (${error.code}); ${error.code === 'EADDRINUSE' ? 'another process uses that port' : 'that address or port is not available'}: set PORT or HOST`,
      );
    });
  })().catch(async (error: unknown) => {
    await shutdown(runtime);
    throw error;
  });
  log.info(
    { demo: runtime.demo, dataDir: runtime.dataDir ?? undefined, startupMs: Math.round(performance.now() - startedAt) },
    'quorum listening',
  );

  if (runtime.demo) await printDemoBanner(app, runtime, address);
}

/**
 * The banner of every demo start. The generated owner password is kept in DATA_DIR/secrets.json
 * (0600, beside the token pepper), so a second `npm start` can show it again; it is shown only
 * while it still logs in, and once the owner has changed it the banner says how to reset it.
 */
async function printDemoBanner(app: App, runtime: Runtime, address: string): Promise<void> {
  const { publicUrl, minGroupSize } = runtime.config;
  const seeded = await seedDemo(app.db, app.keys, minGroupSize, publicUrl);
  if (seeded) await runtime.rememberDemoOwnerPassword(seeded.password);
  const kept = seeded?.password ?? runtime.demoOwnerPassword;
  const password = kept && (seeded || (await demoOwnerPasswordWorks(app.db, kept))) ? kept : undefined;
  // A password the owner replaced is no use to anyone, and might be reused elsewhere: drop it.
  if (kept && !password) await runtime.rememberDemoOwnerPassword(null);
  const reset = `npm run cli -- reset-password --org ${DEMO_ORG_SLUG} --email ${DEMO_OWNER_EMAIL}`;
  const lines = [
    '',
    `Quorum is running in demo mode (embedded PostgreSQL, data in ${runtime.dataDir}).`,
    `  HR dashboard: ${publicUrl}/hr   (sign in with the three lines below)`,
    `  organization: ${DEMO_ORG_SLUG}`,
    `  owner:        ${DEMO_OWNER_EMAIL}`,
    password
      ? `  password:     ${password}    (generated; kept in ${runtime.dataDir}/secrets.json until you change it)`
      : `  password:     changed since it was generated, so not shown. Forgot it? ${reset}`,
    ...(seeded
      ? [
          `  A "${seeded.sample.surveyTitle}" wave is open for 44 demo employees. One of their invitations:`,
          `    link:  ${publicUrl}/s/${seeded.sample.token}   (open it in a browser: this is what the e-mail carries)`,
          `    code:  ${seeded.sample.code}   (typed at a kiosk for organization "${DEMO_ORG_SLUG}")`,
          `    answer it now through the API: curl -s ${address}/v1/respond/session -H 'content-type: application/json' -d '{"token":"${seeded.sample.token}"}'`,
        ]
      : []),
    `  API docs:     ${address}/docs`,
    '  Try it:',
    `    curl -s ${address}/v1/auth/login -H 'content-type: application/json' \\`,
    `      -d '{"organization":"${DEMO_ORG_SLUG}","email":"${DEMO_OWNER_EMAIL}","password":"${password ?? '<password>'}"}'`,
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof StartupError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
