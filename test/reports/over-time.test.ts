import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { bearer } from '../helpers/factories.ts';
import { departmentLocationOrganization } from '../helpers/roster.ts';
import { answersFor, createSurvey, openWave, startSession, submit, tokenOfLink } from '../helpers/surveys.ts';
import { report } from '../helpers/reports.ts';

/**
 * Issue 13 item 2, as the outside attack did it: read every output after every release of an open
 * wave and subtract consecutive readings. Answer counts of optional questions, value counts and
 * comment lists used to move by 1–4 per release, so the difference told the new answers exactly.
 */
let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ config: { releaseBatchSize: 20 } });
});
afterAll(() => t.close());

const DEPARTMENTS = ['Support', 'Sales', 'Legal', 'Ops'];
const LOCATIONS = ['Seoul', 'Busan', 'Gdańsk'];

/** Every number anywhere in a body, by its path. */
function numbers(body: unknown, path = '', found = new Map<string, number>()): Map<string, number> {
  if (typeof body === 'number') found.set(path, body);
  else if (Array.isArray(body)) body.forEach((v, i) => numbers(v, `${path}[${i}]`, found));
  else if (body && typeof body === 'object')
    for (const [key, value] of Object.entries(body)) numbers(value, `${path}.${key}`, found);
  return found;
}

describe('P3 an open wave read after every release', () => {
  it('P3 when every output is read after every answer, then no number moves by fewer than k and nothing finer than the total shows before close', async () => {
    const k = 5;
    const people = Array.from({ length: 90 }, (_, i) => ({
      department: DEPARTMENTS[i % 4]!,
      location: LOCATIONS[(i * 7) % 3]!,
    }));
    const { owner } = await departmentLocationOrganization(t.app, people, { pair: true });
    const survey = await createSurvey(t.app, owner, { template: 'pulse', minGroupSize: k });
    const { invitations } = await openWave(t.app, owner, survey.id);
    const readings: Array<Map<string, number>> = [];
    for (const [i, invitation] of invitations.slice(0, 75).entries()) {
      const session = (await startSession(t.app, tokenOfLink(invitation.link))).json();
      const answers = { ...answersFor(session.survey.questions, i), ...(i % 3 ? { share: `comment ${i}` } : {}) };
      expect((await submit(t.app, session.sessionToken, answers)).statusCode).toBe(201);
      const overview = await report(t.app, owner, survey.id, 'overview');
      const trend = await report(t.app, owner, survey.id, 'trend');
      const byLocation = await report(t.app, owner, survey.id, 'trend', { dimension: 'location' });
      readings.push(
        new Map([
          ...numbers(overview.json(), 'overview'),
          ...numbers(trend.json(), 'trend'),
          ...numbers(byLocation.json(), 'trendByLocation'),
        ]),
      );
      expect(byLocation.json()[0].groups).toEqual([]);
      // Groups, pairs, heatmaps and comment lists of an open wave are refused, with the reason.
      for (const [path, query] of [
        ['breakdown', { dimension: 'department' }],
        ['breakdown', { dimension: 'department', by: 'location' }],
        ['heatmap', { dimension: 'location' }],
        ['comments', { question: 'share' }],
        ['comments', { question: 'share', dimension: 'department', value: 'Support' }],
      ] as const) {
        const refused = await report(t.app, owner, survey.id, path, query);
        expect(refused.statusCode, `${path} ${JSON.stringify(query)}`).toBe(409);
        expect(refused.json().type).toMatch(/wave-open$/);
      }
    }
    const released = readings.map((r) => r.get('overview.report.respondents'));
    expect(
      released.some((n) => n !== undefined && n >= k),
      'a release happened while open',
    ).toBe(true);
    // Subtracting any two consecutive readings of any number gives 0 or at least k.
    for (let i = 1; i < readings.length; i++) {
      for (const [path, now] of readings[i]!) {
        if (/wave|openedOn|score|minGroupSize/.test(path) && !/respondents|invited/.test(path)) continue;
        const before = readings[i - 1]!.get(path) ?? 0;
        const step = Math.abs(now - before);
        if (Number.isInteger(now) && Number.isInteger(before))
          expect(step === 0 || step >= k, `${path}: ${before} → ${now}`).toBe(true);
      }
    }
    // Only the total's respondents (and its participation) were ever published; the caveats count
    // HR's own tokens (issue 13), which no answer moves.
    const paths = new Set(readings.flatMap((r) => [...r.keys()]));
    for (const path of paths)
      expect(path, 'a number finer than the total while open').toMatch(
        /^(overview\.wave\.number|overview\.caveats\.(poolCodes|hrHeldLinks|rosterAdditions|revokedInvitations)|overview\.report\.(respondents|invited|responseRate)|trend(ByLocation)?\[0\]\.(wave|groups\[0\]\.(respondents|invited|responseRate)))$/,
      );

    await t.app.inject({ method: 'POST', url: `/v1/surveys/${survey.id}/close`, headers: bearer(owner) });
    const after = await report(t.app, owner, survey.id, 'breakdown', { dimension: 'department' });
    expect(after.statusCode).toBe(200);
    const overview = (await report(t.app, owner, survey.id, 'overview')).json();
    expect(Object.values(overview.report.questions as Record<string, { n?: number }>).some((q) => (q.n ?? 0) > 0)).toBe(
      true,
    );
  }, 120_000);
});
