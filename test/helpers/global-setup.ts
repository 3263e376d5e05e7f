import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../src/db/embedded.ts';
import { reachableFolder } from '../../src/db/postgres-user.ts';
import { createDb } from '../../src/db/connection.ts';
import { migrateToLatest } from '../../src/db/migrator.ts';
import { freePort } from './ports.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    adminUrl: string;
    templateDatabase: string;
  }
}

/**
 * One real PostgreSQL for the whole run: TEST_DATABASE_URL when set, otherwise an embedded server
 * in a temporary folder. Migrations run once into a template database; every test file then
 * clones it (CREATE DATABASE ... TEMPLATE), which takes milliseconds.
 */
export default async function setup(project: TestProject) {
  const started = performance.now();
  let adminUrl = process.env.TEST_DATABASE_URL;
  let stopServer = async () => {};
  if (!adminUrl) {
    const server = await startEmbeddedPostgres({
      // As root the server runs as `postgres`: TMPDIR may be a folder it cannot enter (under /root).
      dataDir: await mkdtemp(path.join(await reachableFolder([tmpdir(), '/var/tmp/quorum']), 'quorum-test-pg-')),
      port: await freePort(),
      password: randomBytes(12).toString('hex'),
      persistent: false,
      // A throwaway cluster: durability settings off for speed (crash tests set their own).
      settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', max_connections: '300' },
    });
    adminUrl = server.urlFor('postgres');
    stopServer = server.stop;
  }
  const templateDatabase = `quorum_template_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client(adminUrl);
  await admin.connect();
  await admin.query(`create database ${templateDatabase}`);
  const db = createDb({ connectionString: withDatabase(adminUrl, templateDatabase), max: 1 });
  await migrateToLatest(db);
  await db.destroy();
  process.stdout.write(`test database ready in ${Math.round(performance.now() - started)} ms\n`);

  project.provide('adminUrl', adminUrl);
  project.provide('templateDatabase', templateDatabase);

  return async () => {
    await admin.query(`drop database if exists ${templateDatabase} with (force)`).catch(() => {});
    await admin.end();
    await stopServer();
  };
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
