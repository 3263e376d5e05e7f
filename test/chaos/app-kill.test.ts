import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, TEST_PEPPER, type TestApp } from '../helpers/app.ts';
import { bearer, buildOrganization, tokenFor } from '../helpers/factories.ts';
import { freePort } from '../helpers/ports.ts';
import { spawnNode, type Spawned } from '../helpers/process.ts';
import { declareDimensions, importCsv, rosterCsv } from '../helpers/roster.ts';
import { answersFor, createSurvey, openWave, startSession, tokenOfLink } from '../helpers/surveys.ts';

/**
 * Issue 7, faults: the app process is SIGKILLed in the middle of a submit load and started again.
 * Requests in flight die with their connection, so their clients cannot know whether the answer
 * was stored; sent again with the same Idempotency-Key, every answer ends up acknowledged and
 * stored exactly once.
 */
const PEOPLE = 80;
let t: TestApp;
let env: NodeJS.ProcessEnv;
let server: Spawned | undefined;

beforeAll(async () => {
  // The test's own app sets the scene on the same database and pepper the spawned server uses.
  t = await buildTestApp();
  env = {
    DATABASE_URL: t.databaseUrl,
    TOKEN_PEPPER: TEST_PEPPER.toString('hex'),
    PORT: String(await freePort()),
    LOG_LEVEL: 'info',
    TRUST_PROXY: 'true',
    RELEASE_BATCH_SIZE: '10',
    SCHEDULER_INTERVAL_SECONDS: '0',
    // Every instance of one installation shares the sealed box's key folder (docs/privacy.md).
    BOX_KEY_DIR: t.app.config.boxKeyDir!,
  };
});
afterAll(async () => {
  server?.child.kill('SIGKILL');
  await t.close();
});

async function startServer(): Promise<void> {
  server = spawnNode('src/server.ts', [], env);
  await server.waitFor(/quorum listening/);
}

describe('the app is killed during a submit load', () => {
  it('when the process is SIGKILLed mid-load and restarted, then every answer, sent again where its fate was unknown, is stored exactly once', async () => {
    const org = await buildOrganization(t.app);
    const owner = await tokenFor(t.app, org, 'owner');
    await declareDimensions(t.app, owner);
    await importCsv(t.app, owner, rosterCsv(PEOPLE, 13));
    const survey = await createSurvey(t.app, owner, { template: 'pulse' });
    const { invitations } = await openWave(t.app, owner, survey.id);
    const answers: Array<{ token: string; answers: Record<string, unknown> }> = [];
    for (const [i, invitation] of invitations.entries()) {
      const body = (await startSession(t.app, tokenOfLink(invitation.link))).json();
      answers.push({ token: body.sessionToken, answers: answersFor(body.survey.questions, i) });
    }
    await startServer();

    const send = (i: number) =>
      fetch(`http://127.0.0.1:${env.PORT}/v1/respond/submit`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${answers[i]!.token}`,
          'idempotency-key': `answer-${i}`,
          'x-forwarded-for': `10.20.${i % 250}.${(i * 7) % 250}`,
        },
        body: JSON.stringify({ answers: answers[i]!.answers }),
      });
    let sent = 0;
    let lost = 0;
    let restarted: Promise<void> | undefined;
    let next = 0;
    const worker = async () => {
      while (next < PEOPLE) {
        const i = next++;
        if (i === 25 && !restarted) {
          server!.child.kill('SIGKILL');
          await server!.exited;
          restarted = new Promise((r) => setTimeout(r, 300)).then(startServer);
        }
        for (let attempt = 0; ; attempt++) {
          try {
            sent++;
            const response = await send(i);
            expect([201, 503], await response.text()).toContain(response.status);
            if (response.status === 201) break;
          } catch {
            lost++; // the connection died or was refused: the answer's fate is unknown
          }
          expect(attempt, `answer ${i} never got through`).toBeLessThan(50);
          await (restarted ?? Promise.resolve());
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));
    expect(lost, 'requests cut off by the kill').toBeGreaterThan(0);

    await t.app.inject({ method: 'POST', url: `/v1/surveys/${survey.id}/close`, headers: bearer(owner) });
    const markers = await t.app.db
      .selectFrom('participation')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('org_id', '=', org.id)
      .executeTakeFirstOrThrow();
    const stored = await t.app.db
      .selectFrom('responses')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('survey_id', '=', survey.id)
      .executeTakeFirstOrThrow();
    expect(markers.n).toBe(PEOPLE);
    expect(stored.n).toBe(PEOPLE);
    // eslint-disable-next-line no-console -- the counts are what docs/reliability.md reports
    console.info(
      `kill mid-load: ${sent} requests for ${PEOPLE} answers, ${lost} cut off or refused by the dead process; ${markers.n} markers, ${stored.n} responses`,
    );
  }, 120_000);
});
