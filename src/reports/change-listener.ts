import fp from 'fastify-plugin';
import type { FastifyBaseLogger } from 'fastify';
import pg from 'pg';
import { forgetClosedWave } from './caveats.ts';
import { decodeNotice, REPORTS_CHANNEL, RESPONDENTS_CHANNEL, sendNotice, type ChangeNotice } from './change-notices.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

declare module 'fastify' {
  interface FastifyInstance {
    reportChanges: ReportChanges;
  }
}

export interface ReportChanges {
  /** After a commit that changed a survey's released data or waves: warm here, tell the others. */
  surveyChanged(orgId: string, surveyId: string): void;
  /** After contests of closed waves were written: forget them here, tell the others. */
  waveCountsChanged(orgId: string, waveId: string): void;
  /** Resolves once this instance listens (tests wait for it before watching notices arrive). */
  readonly listening: Promise<void>;
}

const FIRST_RETRY_MS = 500;
const LAST_RETRY_MS = 30_000;

/**
 * One dedicated connection per instance, LISTENing on the reports channel; it reconnects with a
 * growing pause when the server goes away. Notices sent while it was away are lost, so after a
 * reconnect `onGap` forgets whatever could have gone stale. It never holds a transaction or a
 * snapshot (LISTEN between notices is an idle session), so it does not hold back the settle's
 * horizon (src/anonymity/settle.ts).
 */
export class ChangeListener {
  private client: pg.Client | undefined;
  private closed = false;
  private retryMs = FIRST_RETRY_MS;
  private timer: NodeJS.Timeout | undefined;
  private readonly heard: () => void;
  private readonly connectionString: string;
  private readonly handlers: Record<string, (payload: string | undefined) => void>;
  private readonly onGap: () => void;
  private readonly log: FastifyBaseLogger;
  readonly listening: Promise<void>;

  constructor(
    connectionString: string,
    /** By channel. */
    handlers: Record<string, (payload: string | undefined) => void>,
    onGap: () => void,
    log: FastifyBaseLogger,
  ) {
    this.connectionString = connectionString;
    this.handlers = handlers;
    this.onGap = onGap;
    this.log = log;
    const { promise, resolve } = Promise.withResolvers<void>();
    this.listening = promise;
    this.heard = resolve;
  }

  start(): void {
    void this.connect(false);
  }

  private async connect(afterLoss: boolean): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({
      connectionString: this.connectionString,
      // Named apart from the pool's, so an operator (and a test) can tell it from the pool's.
      application_name: 'quorum-notices',
      connectionTimeoutMillis: 5_000,
    });
    // An 'error' event without a listener is thrown: a lost server must not end the process.
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    client.on('notification', (message) => {
      if (Object.hasOwn(this.handlers, message.channel)) this.handlers[message.channel]!(message.payload);
    });
    try {
      await client.connect();
      for (const channel of Object.keys(this.handlers)) await client.query(`listen ${channel}`);
    } catch (err) {
      if (!this.closed) this.log.warn({ err }, 'report notices not heard; retrying');
      await client.end().catch(() => undefined);
      this.retry();
      return;
    }
    if (this.closed) return void (await client.end().catch(() => undefined));
    this.client = client;
    this.retryMs = FIRST_RETRY_MS;
    if (afterLoss) this.onGap();
    this.heard();
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    client.end().catch(() => undefined);
    if (this.closed) return;
    this.log.warn('report notices connection lost; reconnecting');
    this.onGap();
    this.retry();
  }

  private retry(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => void this.connect(true), this.retryMs);
    this.timer.unref();
    this.retryMs = Math.min(this.retryMs * 2, LAST_RETRY_MS);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}

/**
 * Issue 16: report caches kept consistent across instances. What each instance caches is either
 * keyed by the data itself (patterns.ts: a release changes the key, so no instance reads stale
 * tables) or final (caveats.ts: a closed wave's counts); notices tell the others to warm a
 * survey's reports after a release, and to forget a closed wave whose contests another instance
 * has just written.
 */
export const reportChangesPlugin = fp(
  async (app) => {
    const handle = (notice: ChangeNotice) => {
      if (notice.kind === 'survey') app.reportWarmer.refresh(notice.orgId, notice.id);
      else forgetClosedWave(app.db, notice.id);
    };
    const listener = new ChangeListener(
      app.config.databaseUrl,
      {
        [REPORTS_CHANNEL]: (payload) => {
          const heard = decodeNotice(payload);
          if (heard && heard.from !== app.instanceId) handle(heard.notice);
        },
        // From the database's triggers (migrations/20261201_009): what a survey fetch shows of an
        // organization changed, on whichever instance, or in the scheduler.
        [RESPONDENTS_CHANNEL]: (payload) => {
          if (payload && UUID.test(payload)) app.openWaves.forget(payload);
        },
      },
      () => {
        forgetClosedWave(app.db);
        app.openWaves.forgetAll();
      },
      app.log,
    );
    const announce = (notice: ChangeNotice) => {
      handle(notice);
      sendNotice(app.db, app.instanceId, notice).catch((err: unknown) =>
        app.log.warn({ err }, 'other instances not told of a report change'),
      );
    };
    app.decorate('reportChanges', {
      surveyChanged: (orgId, surveyId) => announce({ kind: 'survey', orgId, id: surveyId }),
      waveCountsChanged: (orgId, waveId) => announce({ kind: 'wave', orgId, id: waveId }),
      listening: listener.listening,
    } satisfies ReportChanges);
    app.addHook('onReady', async () => listener.start());
    app.addHook('preClose', async () => listener.close());
  },
  { name: 'report-changes', dependencies: ['db', 'reports', 'open-waves'] },
);
