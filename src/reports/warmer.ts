import fp from 'fastify-plugin';
import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { closeSolver } from './solver-pool.ts';
import { warmReports } from './service.ts';

declare module 'fastify' {
  interface FastifyInstance {
    reportWarmer: ReportWarmer;
  }
}

interface Survey {
  orgId: string;
  surveyId: string;
  running?: Promise<void>;
  timer?: NodeJS.Timeout;
  /** New data arrived while a run was computing the old. */
  again: boolean;
  /** Settles when the survey has nothing running or waiting. */
  settled: Promise<void>;
  settle: () => void;
}

/**
 * Computes a survey's suppression patterns in the background whenever its data changes (a
 * release, a closed wave), so HR's next report reads them from the cache instead of waiting for
 * the solver (about a second at 100,000 responses). One run per survey at a time, and while
 * releases keep coming at most one per `gapMs`: a busy open survey costs the solver's thread a
 * bounded share, however fast answers arrive. Nothing is lost by skipping: a run reads the newest
 * data, and a report computes what the cache lacks. Told by the callers of the mixer (a submit
 * that released, closing or opening a wave by hand or by the scheduler) after their commit,
 * through app.reportChanges, which tells the other instances too (change-listener.ts).
 */
export class ReportWarmer {
  private readonly surveys = new Map<string, Survey>();
  private closed = false;
  private readonly db: Kysely<Database>;
  private readonly log: FastifyBaseLogger;
  private readonly gapMs: number;

  constructor(db: Kysely<Database>, log: FastifyBaseLogger, gapMs = 10_000) {
    this.db = db;
    this.log = log;
    this.gapMs = gapMs;
  }

  /** The survey's data changed. */
  refresh(orgId: string, surveyId: string): void {
    if (this.closed) return;
    const key = `${orgId}/${surveyId}`;
    const known = this.surveys.get(key);
    // A run waiting for its turn will read this data anyway.
    if (known) {
      if (known.running) known.again = true;
      return;
    }
    const { promise, resolve } = Promise.withResolvers<void>();
    const survey: Survey = { orgId, surveyId, again: false, settled: promise, settle: resolve };
    this.surveys.set(key, survey);
    this.run(key, survey);
  }

  private run(key: string, survey: Survey): void {
    survey.timer = undefined;
    survey.again = false;
    const started = performance.now();
    survey.running = warmReports(this.db, survey.orgId, survey.surveyId)
      .catch((err: unknown) => {
        if (!this.closed) this.log.warn({ err }, 'reports not precomputed');
      })
      .finally(() => {
        survey.running = undefined;
        if (!survey.again || this.closed) {
          this.surveys.delete(key);
          survey.settle();
          return;
        }
        survey.timer = setTimeout(() => this.run(key, survey), Math.max(0, this.gapMs - (performance.now() - started)));
        survey.timer.unref();
      });
  }

  /** Resolves when no run is computing or waiting. */
  async idle(): Promise<void> {
    while (this.surveys.size > 0) await Promise.all([...this.surveys.values()].map((s) => s.settled));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.surveys.values()) {
      clearTimeout(s.timer);
      if (!s.running) s.settle();
    }
    await Promise.all([...this.surveys.values()].map((s) => s.running));
    this.surveys.clear();
  }
}

/** The warmer, and the solver's threads, for the whole app (answers, surveys and reports use them). */
export const reportsPlugin = fp(
  async (app) => {
    const warmer = new ReportWarmer(app.db, app.log);
    app.decorate('reportWarmer', warmer);
    // Before the database goes (onClose): a run in progress finishes, none starts.
    app.addHook('preClose', async () => warmer.close());
    app.addHook('onClose', closeSolver);
  },
  { name: 'reports', dependencies: ['db'] },
);
