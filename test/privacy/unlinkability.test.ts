import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { buildTestApp, TEST_PEPPER, type TestApp } from '../helpers/app.ts';
import { bearer, type TestOrg } from '../helpers/factories.ts';
import { rosteredOrganization } from '../helpers/roster.ts';
import { answersFor, createSurvey, openWave, startSession, submit, tokenOfLink } from '../helpers/surveys.ts';
import { deriveKeys } from '../../src/crypto/tokens.ts';
import { participationMarker } from '../../src/anonymity/participation.ts';
import { shuffle } from '../../src/anonymity/generalise.ts';

/**
 * SPEC P1 written as attackers. Ground truth (who wrote which fingerprint) is known only to the
 * test; the attackers get what their tier has: T2 the database and the logs, T3 the secrets too.
 */
const K = 5;
const RESPONDENTS = 33;
let t: TestApp;
let org: TestOrg;
let admin: string;
let surveyId: string;
let invitationsBefore: Map<string, string>;
/** Submission order: external id and the fingerprint it answered with. */
const submitted: Array<{ externalId: string; fingerprint: string; token: string; code: string; sessionToken: string }> =
  [];

const definition = {
  title: { en: 'Attack me' },
  languages: ['en'],
  defaultLanguage: 'en',
  questions: [
    { id: 'mood', type: 'likert5', text: { en: 'Mood?' } },
    { id: 'fp', type: 'text', text: { en: 'Anything?' }, required: true },
  ],
};

async function dumpAllTables(): Promise<string> {
  const { rows: tables } = await sql<{
    name: string;
  }>`select tablename as name from pg_tables where schemaname = 'public'`.execute(t.app.db);
  let dump = '';
  for (const { name } of tables) {
    const { rows } = await sql<{
      dump: string | null;
    }>`select string_agg(x::text, '\n') as dump from ${sql.table(name)} x`.execute(t.app.db);
    dump += rows[0]?.dump ?? '';
  }
  return dump;
}

beforeAll(async () => {
  t = await buildTestApp({ captureLogs: true });
  ({ org, admin } = await rosteredOrganization(t.app, 60, 11));
  surveyId = (await createSurvey(t.app, admin, { definition, minGroupSize: K })).id;
  const { invitations } = await openWave(t.app, admin, surveyId);
  const { rows } = await sql<{
    id: string;
    sys: string;
  }>`select id, xmin::text || '/' || xmax::text as sys from invitations where org_id = ${org.id}`.execute(t.app.db);
  invitationsBefore = new Map(rows.map((r) => [r.id, r.sys]));
  for (const invitation of shuffle(invitations).slice(0, RESPONDENTS)) {
    const token = tokenOfLink(invitation.link);
    const session = (await startSession(t.app, token)).json();
    const fingerprint = `fp-${randomBytes(6).toString('hex')}`;
    const response = await submit(t.app, session.sessionToken, {
      ...answersFor(session.survey.questions),
      fp: fingerprint,
    });
    expect(response.statusCode).toBe(201);
    submitted.push({
      externalId: invitation.externalId,
      fingerprint,
      token,
      code: invitation.code,
      sessionToken: session.sessionToken,
    });
  }
});
afterAll(() => t.close());

describe('P1 against T2 (database, backups and logs, without the secrets)', () => {
  it('when the catalog is read, then responses, sealed box and participation have no column, key or time that points at a person', async () => {
    const { rows } = await sql<{ table: string; column: string; type: string }>`
      select table_name as table, column_name as column, data_type as type from information_schema.columns
      where table_schema = 'public' and table_name in ('responses', 'sealed_responses', 'participation') order by 1, 2`.execute(
      t.app.db,
    );
    const columns = Object.groupBy(rows, (r) => r.table);
    expect(columns.responses!.map((c) => c.column)).toEqual([
      'answers',
      'attributes',
      'id',
      'org_id',
      'survey_id',
      'wave_id',
    ]);
    expect(columns.sealed_responses!.map((c) => c.column)).toEqual(['id', 'org_id', 'sealed', 'wave_id']);
    // submission: a keyed hash of the session and the client's Idempotency-Key, on the row that
    // already stands for the invitation; nothing of it is on the answers' side.
    expect(columns.participation!.map((c) => c.column)).toEqual(['marker', 'org_id', 'submission', 'wave_id']);
    expect(rows.filter((r) => /time|date/.test(r.type))).toEqual([]);
    const { rows: fks } = await sql<{ from: string; to: string }>`
      select conrelid::regclass::text as from, confrelid::regclass::text as to from pg_constraint
      where contype = 'f' and conrelid::regclass::text in ('responses', 'sealed_responses', 'participation')`.execute(
      t.app.db,
    );
    expect(fks.every((fk) => fk.to === 'waves')).toBe(true);
  });

  it('when the whole database is dumped, then no answer still in the sealed box, token or code appears in it', async () => {
    const dump = await dumpAllTables();
    const released = new Set(
      (
        await t.app.db
          .selectFrom('responses')
          .select(sql<string>`answers->>'fp'`.as('fp'))
          .where('org_id', '=', org.id)
          .execute()
      ).map((r) => r.fp),
    );
    const sealed = submitted.filter((s) => !released.has(s.fingerprint));
    expect(sealed.length).toBeGreaterThanOrEqual(K);
    for (const s of sealed) expect(dump).not.toContain(s.fingerprint);
    for (const s of submitted) {
      expect(dump).not.toContain(s.token.slice(3));
      expect(dump).not.toContain(s.code);
    }
  });

  it('when invitation rows are compared before and after the answers, then not one was written or locked (xmin and xmax unchanged)', async () => {
    const { rows } = await sql<{
      id: string;
      sys: string;
    }>`select id, xmin::text || '/' || xmax::text as sys from invitations where org_id = ${org.id}`.execute(t.app.db);
    expect(rows.length).toBe(invitationsBefore.size);
    for (const r of rows) expect(r.sys, r.id).toBe(invitationsBefore.get(r.id));
  });

  it('when transaction ids are compared, then released responses share theirs only with each other, in groups of at least k', async () => {
    const { rows: released } = await sql<{
      x: string;
    }>`select xmin::text as x from responses where org_id = ${org.id}`.execute(t.app.db);
    const { rows: spent } = await sql<{
      x: string;
    }>`select xmin::text as x from participation where org_id = ${org.id} union all select xmin::text from sealed_responses where org_id = ${org.id}`.execute(
      t.app.db,
    );
    const spentIds = new Set(spent.map((r) => r.x));
    expect(released.length).toBeGreaterThanOrEqual(2 * K);
    expect(released.filter((r) => spentIds.has(r.x))).toEqual([]);
    const groups = Object.groupBy(released, (r) => r.x);
    for (const group of Object.values(groups)) expect(group!.length).toBeGreaterThanOrEqual(K);
  });

  it('when participation markers are matched against unkeyed hashes of invitation and participant ids, then none match', async () => {
    const markers = new Set(
      (await t.app.db.selectFrom('participation').select('marker').where('org_id', '=', org.id).execute()).map((m) =>
        m.marker.toString('hex'),
      ),
    );
    expect(markers.size).toBe(RESPONDENTS);
    const ids = await t.app.db
      .selectFrom('invitations')
      .select(['id', 'participant_id'])
      .where('org_id', '=', org.id)
      .execute();
    for (const { id, participant_id } of ids) {
      for (const value of [id, participant_id ?? '']) {
        for (const algorithm of ['sha256', 'md5', 'sha1'])
          expect(markers.has(createHash(algorithm).update(value).digest('hex'))).toBe(false);
      }
    }
  });

  it('when physical row order is read as submission order, then the guess is no better than chance within a release', async () => {
    const { rows } = await sql<{
      ctid: string;
      fp: string;
    }>`select ctid::text as ctid, answers->>'fp' as fp from responses where org_id = ${org.id}`.execute(t.app.db);
    const byCtid = rows
      .map((r) => ({ fp: r.fp, key: r.ctid.slice(1, -1).split(',').map(Number) as [number, number] }))
      .sort((a, b) => a.key[0] - b.key[0] || a.key[1] - b.key[1])
      .map((r) => r.fp);
    const releasedInOrder = submitted.filter((s) => byCtid.includes(s.fingerprint)).map((s) => s.fingerprint);
    const hits = byCtid.filter((fp, i) => releasedInOrder[i] === fp).length;
    // Stored in submission order, every guess would hit. A shuffled release of any size leaves one
    // fixed point on average (Poisson, mean 1), so R releases leave about R hits: the bound is
    // R + 4√R + 3, which a shuffle exceeds less than once in 10⁴ runs, and order kept never meets.
    const releases = Number(
      (
        await sql<{
          n: string;
        }>`select count(distinct xmin::text) as n from responses where org_id = ${org.id}`.execute(t.app.db)
      ).rows[0]!.n,
    );
    expect(byCtid.length).toBeGreaterThan(releases + 4 * Math.sqrt(releases) + 3);
    expect(hits).toBeLessThanOrEqual(releases + 4 * Math.sqrt(releases) + 3);
  });

  it('when the logs are read, then no token, code, session, answer or participant identifier is in them', () => {
    const logs = t.rawLogs.join('\n');
    // Employee routes write no request line at all (P1: no log line may time an answer).
    expect(t.rawLogs.some((l) => l.includes('/v1/respond'))).toBe(false);
    for (const s of submitted) {
      for (const secret of [
        s.token,
        s.token.slice(3),
        s.code,
        s.sessionToken.slice(3, 40),
        s.fingerprint,
        s.externalId,
      ])
        expect(logs).not.toContain(secret);
    }
  });
});

describe('P1 against T3 (the operator, with the secrets), once the wave is closed', () => {
  it('when every trick at rest is combined, then each respondent still narrows to at least k released responses', async () => {
    expect(
      (await t.app.inject({ method: 'POST', url: `/v1/surveys/${surveyId}/close`, headers: bearer(admin) })).statusCode,
    ).toBe(200);
    const keys = deriveKeys(TEST_PEPPER);
    expect(await t.app.db.selectFrom('sealed_responses').select('id').where('org_id', '=', org.id).execute()).toEqual(
      [],
    );

    // With the secret, T3 can tell who answered, and when (participation xmin)...
    const { rows: markers } = await sql<{
      marker: Buffer;
      x: string;
    }>`select marker, xmin::text as x from participation where org_id = ${org.id}`.execute(t.app.db);
    const answeredAt = new Map(markers.map((m) => [m.marker.toString('hex'), BigInt(m.x)]));
    const invitations = await t.app.db
      .selectFrom('invitations')
      .innerJoin('participants', (j) =>
        j
          .onRef('participants.org_id', '=', 'invitations.org_id')
          .onRef('participants.id', '=', 'invitations.participant_id'),
      )
      .select(['invitations.id', 'invitations.attributes', 'participants.external_id'])
      .where('invitations.org_id', '=', org.id)
      .execute();
    const { rows: responses } = await sql<{ x: string; attributes: Record<string, string | null>; fp: string }>`
      select xmin::text as x, attributes, answers->>'fp' as fp from responses where org_id = ${org.id}`.execute(
      t.app.db,
    );

    let attacked = 0;
    for (const invitation of invitations) {
      const at = answeredAt.get(participationMarker(keys, invitation.id).toString('hex'));
      if (at === undefined) continue;
      attacked++;
      // ...and keeps every response released after that whose attributes fit this person.
      const candidates = responses.filter(
        (r) =>
          BigInt(r.x) > at &&
          Object.entries(r.attributes).every(([d, v]) => v === null || v === 'other' || v === invitation.attributes[d]),
      );
      const truth = submitted.find((s) => s.externalId === invitation.external_id)!.fingerprint;
      expect(candidates.map((c) => c.fp)).toContain(truth);
      expect(candidates.length, invitation.external_id).toBeGreaterThanOrEqual(K);
    }
    expect(attacked).toBe(RESPONDENTS);
  });
});
