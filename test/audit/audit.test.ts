import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { bearer, buildAccount, buildOrganization, login, tokenFor, type TestOrg } from '../helpers/factories.ts';
import { addRosterPeople, declareDimensions, importCsv, rosterCsv } from '../helpers/roster.ts';
import { answerByLink, createSurvey, openWave } from '../helpers/surveys.ts';

let t: TestApp;
let org: TestOrg;
let owner: string;
let analyst: string;
let analystEmail: string;
const roster = rosterCsv(30, 5);

beforeAll(async () => {
  t = await buildTestApp();
  org = await buildOrganization(t.app);
  owner = await tokenFor(t.app, org, 'owner');
  analystEmail = (await buildAccount(t.app, org, 'analyst')).email;
  analyst = (await login(t.app, org, analystEmail)).json().token as string;
});
afterAll(() => t.close());

type Entry = {
  id: number;
  at: string;
  actor: { kind: string; id: string; name: string | null };
  action: string;
  target: string | null;
  details: Record<string, unknown>;
};
/** The hook writes after the response is sent: wait until the log has caught up. */
/** The whole log once every entry of the answers already sent is written (they follow the answer). */
async function auditLog(): Promise<Entry[]> {
  // onResponse runs once the answer has ended, which inject may report a tick earlier.
  await new Promise((r) => setImmediate(r));
  await t.app.auditWritten();
  return (await t.app.inject({ method: 'GET', url: '/v1/audit?limit=1000', headers: bearer(owner) })).json() as Entry[];
}

describe('GET /v1/audit', () => {
  it('when HR changes k, opens a wave and exports, then each is recorded with who did it; reads, employees and roster contents are not', async () => {
    await declareDimensions(t.app, owner);
    await importCsv(t.app, owner, roster);
    const survey = await createSurvey(t.app, owner, { template: 'pulse' });
    expect(
      (
        await t.app.inject({
          method: 'PATCH',
          url: `/v1/surveys/${survey.id}`,
          headers: bearer(owner),
          payload: { minGroupSize: 7 },
        })
      ).statusCode,
    ).toBe(200);
    const { invitations } = await openWave(t.app, owner, survey.id);
    expect((await answerByLink(t.app, invitations[0]!.link)).statusCode).toBe(201);
    expect(
      (
        await t.app.inject({
          method: 'GET',
          url: `/v1/reports/surveys/${survey.id}/overview`,
          headers: bearer(analyst),
        })
      ).statusCode,
    ).toBe(200);
    expect(
      (
        await t.app.inject({
          method: 'GET',
          url: `/v1/reports/surveys/${survey.id}/overview`,
          headers: { ...bearer(analyst), accept: 'text/csv' },
        })
      ).statusCode,
    ).toBe(200);
    expect(
      (
        await t.app.inject({
          method: 'PATCH',
          url: `/v1/surveys/${survey.id}`,
          headers: bearer(owner),
          payload: { minGroupSize: 2 },
        })
      ).statusCode,
    ).toBe(400);

    const log = await auditLog();
    const actions = log.map((e) => e.action);
    const changedK = log.find((e) => e.action === 'PATCH /v1/surveys/:id')!;
    expect(changedK).toMatchObject({
      target: survey.id,
      actor: { kind: 'session', name: org.ownerEmail },
      details: { minGroupSize: 7, fields: ['minGroupSize'] },
    });
    expect(
      log.filter((e) => e.action === 'PATCH /v1/surveys/:id'),
      'a refused change is not an action',
    ).toHaveLength(1);
    expect(actions).toContain('POST /v1/surveys/:id/waves');
    expect(actions).toContain('POST /v1/roster/import');
    const exported = log.filter((e) => e.action === 'GET /v1/reports/surveys/:id/overview');
    expect(exported, 'JSON reads are not exports').toHaveLength(1);
    expect(exported[0]).toMatchObject({ details: { format: 'csv' }, actor: { name: analystEmail } });
    expect(
      actions.some((a) => a.includes('/respond') || a.startsWith('POST /survey')),
      'employees are never recorded',
    ).toBe(false);

    // No employee data: not one roster value appears in the whole log.
    const text = JSON.stringify(log);
    for (const line of roster.trim().split('\n').slice(1, 31)) {
      const [externalId, email, name] = line.split(',');
      for (const value of [externalId, email, name]) if (value) expect(text).not.toContain(value);
    }
  });

  it('P10 when HR edits the roster and asks for a code pool while a survey is open, then each is in the log with how many rows and codes, never a roster value', async () => {
    const before = (await auditLog()).length;
    const survey = await createSurvey(t.app, owner, { template: 'pulse' });
    await openWave(t.app, owner, survey.id);
    // During the open survey: an edit of known rows (CSV) and additions without e-mail (JSON).
    const edited = rosterCsv(30, 5).trimEnd().split('\n').slice(0, 3).join('\n') + '\n';
    expect((await importCsv(t.app, owner, edited)).statusCode).toBe(200);
    await addRosterPeople(t.app, owner, 4, { department: 'Operations', location: 'Annex' }, 'stuffed-');
    const pool = await t.app.inject({
      method: 'POST',
      url: `/v1/surveys/${survey.id}/code-pools`,
      headers: bearer(owner),
      payload: { count: 4, segment: { department: 'Operations', location: 'Annex' } },
    });
    expect(pool.statusCode, pool.body).toBe(201);

    const log = (await auditLog()).slice(0, -before || undefined);
    const imports = log.filter((e) => e.action === 'POST /v1/roster/import');
    expect(imports.map((e) => e.details.rows).sort()).toEqual([2, 4]);
    expect(log.find((e) => e.action === 'POST /v1/surveys/:id/code-pools')).toMatchObject({
      target: survey.id,
      actor: { kind: 'session', name: org.ownerEmail },
      details: { count: 4, fields: ['count', 'segment'] },
    });
    const text = JSON.stringify(log);
    expect(text).not.toContain('stuffed-');
    expect(text).not.toContain('Annex');
  });

  it('when an analyst asks for the log, then 403', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/v1/audit', headers: bearer(analyst) })).statusCode).toBe(403);
  });
});
