import fp from 'fastify-plugin';
import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Keys } from '../crypto/tokens.ts';
import { openWaveIfDue, surveysWithDueWaves } from '../surveys/service.ts';
import { remindNonResponders, surveysDueForReminder } from './reminders.ts';
import { applyRetention } from '../retention/service.ts';
import { flushContests } from '../responses/contests.ts';
import { drainOutbox, type Send } from './outbox.ts';
import { sendWhenSettled, settleTables } from '../anonymity/settle.ts';

/** Mails sent under the settle lock at a time: a job waiting for it waits for at most these. */
const MAIL_BATCH = 25;

export interface ScheduledWorkDeps {
  db: Kysely<Database>;
  keys: Keys;
  publicUrl: string;
  send: Send | null;
  log: FastifyBaseLogger;
  /** A wave opened, so the one before it closed and released its last answers. */
  released?: (orgId: string, surveyId: string) => void;
  /** Contests this instance had counted for a closed wave were written: its caveats changed. */
  contestsWritten?: (orgId: string, waveId: string) => void;
}

/**
 * One pass of the scheduler. Safe when several instances run it at once: a wave opens under its
 * survey's row lock and re-checks that it is due; a reminder runs under its wave's row lock and
 * marks the wave reminded in the same transaction as the mail it queues; mail rows are claimed
 * with SKIP LOCKED. Everything it decides is in PostgreSQL, so a restart loses nothing.
 * Mail carries tokens, so it is drained only once every job that wrote invitations — on any
 * instance — has settled them (src/anonymity/settle.ts, P1), and the sent rows' dead versions
 * are vacuumed away after.
 */
export async function runScheduledWork(
  deps: ScheduledWorkDeps,
): Promise<{ opened: number; reminded: number; sent: number; failed: number; expired: number }> {
  const { db, keys, publicUrl, send, log } = deps;
  let opened = 0;
  let reminded = 0;
  // No invitation may be issued that nobody can receive: the scheduler opens an e-mail survey's
  // wave only when it can mail (its invitations are the mails), and a codes survey's always (it
  // issues none: HR asks for kiosk codes). A download survey's links exist only in the answer to
  // the one who opens the wave, so the scheduler never opens one (surveysWithDueWaves leaves them
  // out); HR opens it by hand when due.
  for (const s of await surveysWithDueWaves(db, { email: send !== null })) {
    try {
      if (await openWaveIfDue(db, keys, s.org_id, s.id, { publicUrl, emailEnabled: send !== null })) {
        opened++;
        deps.released?.(s.org_id, s.id);
      }
    } catch (err) {
      log.warn({ err }, 'scheduled wave not opened');
    }
  }
  if (send) {
    for (const s of await surveysDueForReminder(db)) {
      try {
        if (await remindNonResponders(db, keys, s.org_id, s.id, publicUrl, { onlyIfDue: true, emailEnabled: true }))
          reminded++;
      } catch (err) {
        log.warn({ err }, 'scheduled reminder not sent');
      }
    }
  }
  let sent = 0;
  let failed = 0;
  if (send) {
    for (;;) {
      // Per batch, so a job waits at most one batch of sends for the lock. Every job that held
      // the lock has settled (and waited for older snapshots) already: the VACUUM here is only a
      // backstop for a job whose own settle failed, cheap since it skips all-frozen pages.
      const batch = await sendWhenSettled(
        db,
        ['invitations', 'waves'],
        (conn) => drainOutbox(conn, keys, send, MAIL_BATCH),
        { horizonWaitMs: 0 },
      ).catch((err: unknown) => (log.warn({ err }, 'mail not drained this pass'), { sent: 0, failed: 0 }));
      sent += batch.sent;
      failed += batch.failed;
      if (batch.sent + batch.failed === 0 || batch.failed > 0) break;
    }
    // Sent mail is deleted: vacuum its rows away rather than leave them for whoever reads next.
    if (sent + failed > 0)
      await db.connection().execute((conn) =>
        settleTables(conn, ['mail_outbox'], {
          onIncomplete: (outcome) => log.warn({ waitedMs: outcome.waitedMs }, 'sent mail not yet vacuumed away'),
        }),
      );
  }
  // On the scheduler's clock, every open wave's contest counter is rewritten, changed or not.
  const closed = await flushContests(db, keys).catch(
    (err: unknown) => (log.warn({ err }, 'contest counts not written this pass'), []),
  );
  for (const { orgId, waveId } of closed) deps.contestsWritten?.(orgId, waveId);
  const retention = await applyRetention(db).catch(
    (err: unknown) => (log.warn({ err }, 'retention not applied'), { responses: 0, markers: 0 }),
  );
  return { opened, reminded, sent, failed, expired: retention.responses };
}

/** Runs the scheduler every SCHEDULER_INTERVAL_SECONDS while the app is up (0: off). */
export const schedulerPlugin = fp(
  async (app) => {
    const seconds = app.config.schedulerIntervalSeconds;
    if (seconds <= 0) return;
    // nodemailer (about 5 MB of heap once loaded) only when mail is configured: without SMTP_URL
    // nothing here sends mail, and every byte loaded at start is held for the process's life.
    const sender = app.config.smtpUrl
      ? (await import('./transport.ts')).smtpSender(app.config.smtpUrl, app.config.mailFrom)
      : null;
    let running: Promise<unknown> = Promise.resolve();
    const timer = setInterval(() => {
      running = running.then(() =>
        runScheduledWork({
          db: app.db,
          keys: app.keys,
          publicUrl: app.config.publicUrl,
          send: sender?.send ?? null,
          log: app.log,
          released: (orgId, surveyId) => app.reportChanges.surveyChanged(orgId, surveyId),
          contestsWritten: (orgId, waveId) => app.reportChanges.waveCountsChanged(orgId, waveId),
        }).catch((err: unknown) => app.log.warn({ err }, 'scheduler pass failed')),
      );
    }, seconds * 1000);
    timer.unref();
    app.addHook('onClose', async () => {
      clearInterval(timer);
      await running;
      sender?.close();
    });
  },
  { name: 'scheduler', dependencies: ['db', 'reports', 'report-changes'] },
);
