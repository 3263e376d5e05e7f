import fp from 'fastify-plugin';
import type { FastifyBaseLogger } from 'fastify';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

declare module 'fastify' {
  interface FastifyInstance {
    openWaves: OpenWaves;
  }
}

/** What a survey fetch needs to know of its session's wave, besides the frozen definition. */
export interface OpenWave {
  orgId: string;
  waveId: string;
  surveyId: string;
  minGroupSize: number;
  orgSlug: string;
  organizationName: string;
  /** The wave's revoked invitations (leavers): few, and only HR revokes. */
  revoked: ReadonlySet<string>;
  /** Its sealed box's key epoch as read (null: none yet); a submit checks it again itself. */
  epoch: number | null;
}

/** How often every instance reads the open waves again, whatever it heard: the bound on staleness. */
export const OPEN_WAVES_REFRESH_MS = 2_000;

/**
 * Issue 16: the open waves as a survey fetch needs them, so that a fetch reads nothing (it read the
 * invitation, its wave, survey and organization on every request: a third of hello-world's rate).
 *
 * Read on a clock, never because an employee did something: whether a wave is in here does not
 * depend on anyone's fetch, so neither does a fetch's timing (a cache filled by the first fetch
 * would tell a T1 reader timing their own link that someone of the wave has opened it). A wave not
 * in here (opened since the last read, closed, or this instance just started) is read from the
 * database as before.
 *
 * Stale at most OPEN_WAVES_REFRESH_MS, and only in the one direction that changes nothing: a
 * closed wave or a revoked link may still be shown its form for that long, but the submit
 * statement checks both itself and refuses. Sooner than that: HR's own writes forget their
 * organization here before they answer, and database triggers tell every instance
 * (migrations/20261201_009). A failed read leaves nothing to use, so fetches read the database
 * (and answer 503 if it is down): this never answers from an old view.
 */
export class OpenWaves {
  private waves = new Map<string, OpenWave>();
  private readAt = 0;
  private generation = 0;
  private reading: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly db: Kysely<Database>;
  private readonly refreshMs: number;
  private readonly onRead: Array<(waves: OpenWave[]) => Promise<void>> = [];
  private readonly log: FastifyBaseLogger | undefined;

  constructor(db: Kysely<Database>, refreshMs = OPEN_WAVES_REFRESH_MS, log?: FastifyBaseLogger) {
    this.db = db;
    this.refreshMs = refreshMs;
    this.log = log;
  }

  /**
   * Work to do after each read, on the same clock: whatever a request would otherwise compute on
   * its first use (warmOpenWave), so that no request's time depends on what came before it.
   */
  afterRead(work: (waves: OpenWave[]) => Promise<void>): void {
    this.onRead.push(work);
  }

  /** The open wave, if this instance read it open within the last two intervals. */
  get(orgId: string, waveId: string): OpenWave | undefined {
    if (Date.now() - this.readAt > 2 * this.refreshMs) return undefined;
    const wave = this.waves.get(waveId);
    return wave?.orgId === orgId ? wave : undefined;
  }

  /** Something employees' pages show of this organization changed: forget it now, read again soon. */
  forget(orgId: string): void {
    this.generation++;
    for (const [id, wave] of this.waves) if (wave.orgId === orgId) this.waves.delete(id);
    void this.refresh();
  }

  /** Notices may have been missed (the notice connection was lost): forget everything. */
  forgetAll(): void {
    this.generation++;
    this.waves = new Map();
    void this.refresh();
  }

  start(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One read at a time; a forget during a read makes another read follow it. */
  refresh(): Promise<void> {
    if (this.reading) {
      this.again = true;
      return this.reading;
    }
    this.reading = this.read().finally(() => {
      this.reading = undefined;
      if (this.again && this.timer) {
        this.again = false;
        void this.refresh();
      }
    });
    return this.reading;
  }

  private async read(): Promise<void> {
    const generation = this.generation;
    const started = Date.now();
    try {
      const { rows } = await sql<{
        org_id: string;
        id: string;
        survey_id: string;
        min_group_size: number;
        slug: string;
        name: string;
        revoked: string[];
        epoch: number | null;
      }>`
        select w.org_id, w.id, w.survey_id, s.min_group_size, o.slug, o.name, e.epoch,
          array(select i.id from invitations i where i.org_id = w.org_id and i.wave_id = w.id and i.revoked) as revoked
        from waves w
        join surveys s on s.org_id = w.org_id and s.id = w.survey_id
        join organizations o on o.id = w.org_id
        left join sealed_box_epochs e on e.org_id = w.org_id and e.wave_id = w.id
        where w.status = 'open'`.execute(this.db);
      // Read while something changed: it may hold the old state, so it is not kept.
      if (generation !== this.generation) {
        this.again = true;
        return;
      }
      this.waves = new Map(
        rows.map((r) => [
          r.id,
          {
            orgId: r.org_id,
            waveId: r.id,
            surveyId: r.survey_id,
            minGroupSize: r.min_group_size,
            orgSlug: r.slug,
            organizationName: r.name,
            revoked: new Set(r.revoked),
            epoch: r.epoch,
          },
        ]),
      );
      this.readAt = started;
    } catch {
      // Fail closed: nothing to answer from until a read succeeds.
      this.waves = new Map();
      this.readAt = 0;
      return;
    }
    const waves = [...this.waves.values()];
    for (const work of this.onRead)
      await work(waves).catch((err: unknown) => this.log?.warn({ err }, 'open waves not prepared ahead'));
  }
}

export const openWavesPlugin = fp(
  async (app) => {
    const openWaves = new OpenWaves(app.db, OPEN_WAVES_REFRESH_MS, app.log);
    app.decorate('openWaves', openWaves);
    // After HR's own write (API or dashboard), before its answer leaves: a fetch this instance
    // serves next already reads the database for that organization. GET and HEAD change nothing.
    app.addHook('onSend', async (request) => {
      if (request.method !== 'GET' && request.method !== 'HEAD' && request.principal)
        openWaves.forget(request.principal.orgId);
    });
    app.addHook('onReady', async () => openWaves.start());
    app.addHook('preClose', async () => openWaves.stop());
  },
  { name: 'open-waves', dependencies: ['db', 'auth'] },
);
