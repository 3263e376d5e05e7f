import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { bearer, type TestOrg } from '../helpers/factories.ts';
import { rosteredOrganization } from '../helpers/roster.ts';
import { installDiskFull, rowCount, writesFail as failWrites, writesWork as allowWrites } from '../helpers/faults.ts';
import { answersFor, createSurvey, openWave, startSession, submit, tokenOfLink } from '../helpers/surveys.ts';

/**
 * Issue 7, faults: the disk fills up (test/helpers/faults.ts says how it is injected); reads meet it
 * through a view that raises the same error.
 */
let t: TestApp;
let org: TestOrg;
let admin: string;

beforeAll(async () => {
  t = await buildTestApp({ config: { releaseBatchSize: 10 } });
  ({ org, admin } = await rosteredOrganization(t.app, 30, 8));
  await installDiskFull(t.app.db);
  await sql`create function disk_full_on_read() returns boolean language plpgsql volatile as $$
    begin raise exception 'could not write to file: No space left on device' using errcode = 'disk_full'; end $$`.execute(
    t.app.db,
  );
});
afterAll(() => t.close());

const writesFail = (table: string) => failWrites(t.app.db, table);
const writesWork = (table: string) => allowWrites(t.app.db, table);
const count = (table: 'participation' | 'sealed_responses' | 'responses') => rowCount(t.app.db, table, org.id);

describe('the disk is full', () => {
  let surveyId: string;
  let links: string[];

  it('when an answer cannot be written, then 503 problem+json, nothing is stored, and the same session answers once there is space', async () => {
    surveyId = (await createSurvey(t.app, admin, { template: 'pulse' })).id;
    links = (await openWave(t.app, admin, surveyId)).invitations.map((i: { link: string }) => i.link);
    const session = (await startSession(t.app, tokenOfLink(links[0]!))).json();
    await writesFail('sealed_responses');
    try {
      const refused = await submit(t.app, session.sessionToken, answersFor(session.survey.questions));
      expect(refused.statusCode, refused.body).toBe(503);
      expect(refused.headers['content-type']).toMatch(/problem\+json/);
      expect(refused.headers['retry-after']).toBeDefined();
      expect([await count('participation'), await count('sealed_responses')]).toEqual([0, 0]);
    } finally {
      await writesWork('sealed_responses');
    }
    expect((await submit(t.app, session.sessionToken, answersFor(session.survey.questions))).statusCode).toBe(201);
    expect([await count('participation'), await count('sealed_responses')]).toEqual([1, 1]);
  });

  it('when a release cannot be written, then every answer is still acknowledged, stays sealed, and is released once there is space', async () => {
    await writesFail('answer_counts');
    try {
      for (const [i, link] of links.slice(1, 12).entries()) {
        const session = (await startSession(t.app, tokenOfLink(link))).json();
        expect((await submit(t.app, session.sessionToken, answersFor(session.survey.questions, i))).statusCode).toBe(
          201,
        );
      }
      // Past the release batch (10): the releases failed whole, the responses table took nothing.
      expect([await count('participation'), await count('sealed_responses'), await count('responses')]).toEqual([
        12, 12, 0,
      ]);
    } finally {
      await writesWork('answer_counts');
    }
    expect(
      (await t.app.inject({ method: 'POST', url: `/v1/surveys/${surveyId}/close`, headers: bearer(admin) })).statusCode,
    ).toBe(200);
    expect([await count('sealed_responses'), await count('responses')]).toEqual([0, 12]);
  });

  it('when a report cannot read, then 503 problem+json with no numbers, and the same report once there is space', async () => {
    await t.app.reportWarmer.idle();
    const read = () =>
      t.app.inject({ method: 'GET', url: `/v1/reports/surveys/${surveyId}/overview`, headers: bearer(admin) });
    await sql`alter table answer_counts rename to answer_counts_stored`.execute(t.app.db);
    await sql`create view answer_counts as select * from answer_counts_stored where disk_full_on_read()`.execute(
      t.app.db,
    );
    try {
      const refused = await read();
      expect(refused.statusCode, refused.body).toBe(503);
      expect(refused.headers['content-type']).toMatch(/problem\+json/);
      expect(refused.json()).not.toHaveProperty('report');
    } finally {
      await sql`drop view answer_counts`.execute(t.app.db);
      await sql`alter table answer_counts_stored rename to answer_counts`.execute(t.app.db);
    }
    const served = await read();
    expect(served.statusCode).toBe(200);
    expect(served.json().report).toMatchObject({ suppressed: false, respondents: 12 });
  });
});
