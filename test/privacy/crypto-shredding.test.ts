import { cp, link, mkdtemp, readdir, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchKeys } from '../../src/anonymity/batch-keys.ts';
import { deriveKeys } from '../../src/crypto/tokens.ts';
import { seal } from '../../src/crypto/aead.ts';
import { openResponse, sealedPlaintextSize } from '../../src/anonymity/sealed-box.ts';
import type { SurveyDefinition } from '../../src/surveys/questions.ts';
import { buildApp } from '../../src/app.ts';
import { buildTestApp, TEST_PEPPER, testConfig, type TestApp } from '../helpers/app.ts';
import { bearer, tokenFor, type TestOrg } from '../helpers/factories.ts';
import { rosteredOrganization } from '../helpers/roster.ts';
import { answersFor, createSurvey, openWave, startSession, submit, tokenOfLink } from '../helpers/surveys.ts';

/**
 * SPEC P1 against T3, crypto-shredding: once a batch is released, the operator — holding every
 * secret the application has at that moment (TOKEN_PEPPER and the box-key folder), the raw pages
 * of the sealed box (pageinspect, dead tuples included) and every WAL record written since the
 * first answer (pg_walinspect) — opens none of the released boxes.
 */
const K = 5;
const definition: SurveyDefinition = {
  title: { en: 'Shred me' },
  languages: ['en'],
  defaultLanguage: 'en',
  questions: [
    { id: 'mood', type: 'likert5', text: { en: 'Mood?' }, required: true },
    { id: 'fp', type: 'text', text: { en: 'Anything?' }, required: true, maxLength: 200 },
  ],
};
const BOX_BYTES = sealedPlaintextSize(definition) + 28;

let t: TestApp;
let org: TestOrg;
let admin: string;
let surveyId: string;
let waveId: string;
let invitations: Array<{ link: string }>;
let startLsn: string;
let boxKeyDir: string;

beforeAll(async () => {
  boxKeyDir = await mkdtemp(path.join(tmpdir(), 'quorum-shred-keys-'));
  t = await buildTestApp({ config: { releaseBatchSize: 6, boxKeyDir } });
  ({ org, admin } = await rosteredOrganization(t.app, 30, 5));
  surveyId = (await createSurvey(t.app, admin, { definition, minGroupSize: K })).id;
  const opened = await openWave(t.app, admin, surveyId);
  invitations = opened.invitations;
  waveId = opened.wave.id;
  await sql`create extension if not exists pageinspect`.execute(t.app.db);
  await sql`create extension if not exists pg_walinspect`.execute(t.app.db);
  startLsn = (await sql<{ lsn: string }>`select pg_current_wal_insert_lsn()::text as lsn`.execute(t.app.db)).rows[0]!
    .lsn;
});
afterAll(() => t.close());

async function answer(i: number): Promise<string> {
  const session = (await startSession(t.app, tokenOfLink(invitations[i]!.link))).json();
  const fingerprint = `fp-${randomBytes(6).toString('hex')}`;
  const response = await submit(t.app, session.sessionToken, {
    ...answersFor(session.survey.questions),
    fp: fingerprint,
  });
  expect(response.statusCode).toBe(201);
  return fingerprint;
}

/** Every byte string of the box's length the attacker can find: box tuples on the pages, and WAL heap records. */
async function ciphertextsAtRest(): Promise<Buffer[]> {
  await sql`select pg_switch_wal()`.execute(t.app.db);
  const end = (await sql<{ lsn: string }>`select pg_current_wal_flush_lsn()::text as lsn`.execute(t.app.db)).rows[0]!
    .lsn;
  const { rows: pages } = await sql<{ data: Buffer }>`
    select t_data as data from generate_series(0, pg_relation_size('sealed_responses') / current_setting('block_size')::int - 1) blk,
      lateral heap_page_items(get_raw_page('sealed_responses', blk::int))
    where t_data is not null`.execute(t.app.db);
  const { rows: wal } = await sql<{ data: Buffer }>`
    select block_data as data from pg_get_wal_block_info(${startLsn}::pg_lsn, ${end}::pg_lsn, true)
    where relfilenode = pg_relation_filenode('sealed_responses') and resource_manager = 'Heap' and block_data is not null`.execute(
    t.app.db,
  );
  // The sealed column comes last in the tuple, so a box's bytes end the tuple data.
  return [...pages, ...wal]
    .map((r) => r.data)
    .filter((d) => d.length >= BOX_BYTES)
    .map((d) => d.subarray(d.length - BOX_BYTES));
}

/** T3: the application's own code, secrets and key folder as they are now, against everything at rest. */
async function attack(ofOrg = org.id, ofWave = waveId): Promise<{ opened: Set<string>; boxes: number; keys: number }> {
  const stolen = await mkdtemp(path.join(tmpdir(), 'quorum-stolen-keys-'));
  await cp(boxKeyDir, stolen, { recursive: true });
  // Every file that holds a key counts, whatever its name: a temporary one is renamed for the reader.
  for (const name of await readdir(path.join(stolen, ofOrg)).catch(() => [] as string[])) {
    const temporary = /^(.+\.key)\.[0-9a-f]+\.tmp$/.exec(name);
    if (temporary) await rename(path.join(stolen, ofOrg, name), path.join(stolen, ofOrg, temporary[1]!));
  }
  const keys = deriveKeys(TEST_PEPPER);
  const candidates = [...(await new BatchKeys(keys, stolen, t.app.db).available(ofOrg, ofWave)).map((e) => e.key)];
  candidates.push(keys['sealed-box']);
  const boxes = await ciphertextsAtRest();
  const opened = new Set<string>();
  for (const box of boxes)
    for (const key of candidates) {
      const payload = openResponse(key, ofOrg, ofWave, definition, box);
      if (payload) opened.add(String(payload.answers.fp));
    }
  return { opened, boxes: boxes.length, keys: candidates.length - 1 };
}

const releasedFingerprints = async () =>
  new Set(
    (
      await sql<{ fp: string }>`select answers->>'fp' as fp from responses where org_id = ${org.id}`.execute(t.app.db)
    ).rows.map((r) => r.fp),
  );

describe('P1 when a T3 attacker holds the secrets, the key folder, the pages and the WAL after a release', () => {
  it('then no released box opens, while the boxes still waiting do (the attack is real)', async () => {
    const written: string[] = [];
    for (let i = 0; i < 2 * K; i++) written.push(await answer(i));
    const released = await releasedFingerprints();
    expect(released.size).toBe(K);
    const { opened, boxes, keys } = await attack();
    expect(boxes).toBeGreaterThanOrEqual(2 * K);
    expect([...opened].filter((fp) => released.has(fp))).toEqual([]);
    expect(keys).toBe(1);
    // The K kept back are pending (SPEC: readable by T3 until released) and the attacker finds them.
    expect([...opened].sort()).toEqual(written.filter((fp) => !released.has(fp)).sort());
  });

  it('then, after the wave closes and its last answers are released, no box at all opens and no key is left', async () => {
    for (let i = 2 * K; i < 2 * K + 3; i++) await answer(i);
    const closed = await t.app.inject({ method: 'POST', url: `/v1/surveys/${surveyId}/close`, headers: bearer(admin) });
    expect(closed.statusCode).toBeLessThan(300);
    expect((await releasedFingerprints()).size).toBe(2 * K + 3);
    // Closing releases in its caller's transaction; the key goes once that commit is visible.
    for (let i = 0; i < 50 && (await readdir(path.join(boxKeyDir, org.id))).length > 0; i++)
      await new Promise((r) => setTimeout(r, 100));
    const { opened, boxes } = await attack();
    expect(boxes).toBeGreaterThanOrEqual(2 * K + 3);
    expect([...opened]).toEqual([]);
    expect(await readdir(path.join(boxKeyDir, org.id))).toEqual([]);
  });

  it("P7 when a wave opens, then its first key and epoch are made with it, so the first answer's submit takes no longer than the next; closed with no answer, that key is destroyed", async () => {
    const keysOf = async (wave: string) =>
      (await readdir(path.join(boxKeyDir, org.id)).catch(() => [] as string[])).filter((f) => f.startsWith(wave));
    const epochOf = async (wave: string) =>
      (await t.app.db.selectFrom('sealed_box_epochs').select('epoch').where('wave_id', '=', wave).execute()).map(
        (r) => r.epoch,
      );
    const survey = (await createSurvey(t.app, admin, { definition, minGroupSize: K })).id;
    const opened = await openWave(t.app, admin, survey);
    // Before anyone answered: nothing left for a first submit to make (a file written and fsynced,
    // a row) that a later one does not.
    expect(await keysOf(opened.wave.id)).toEqual([`${opened.wave.id}.0.key`]);
    expect(await epochOf(opened.wave.id)).toEqual([0]);
    const closed = await t.app.inject({ method: 'POST', url: `/v1/surveys/${survey}/close`, headers: bearer(admin) });
    expect(closed.statusCode).toBe(200);
    for (let i = 0; i < 50 && (await keysOf(opened.wave.id)).length > 0; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(await keysOf(opened.wave.id)).toEqual([]);
  });

  it('P1 when a session issued before the close submits after it, then 410, and no key or epoch is made for the closed wave (issue 16 audit)', async () => {
    const keysOf = async (wave: string) =>
      (await readdir(path.join(boxKeyDir, org.id)).catch(() => [] as string[])).filter((f) => f.startsWith(wave));
    const lateSubmit = async (withAnswers: number) => {
      const survey = (await createSurvey(t.app, admin, { definition, minGroupSize: K })).id;
      const opened = await openWave(t.app, admin, survey);
      const sessions = [];
      for (const invitation of opened.invitations.slice(0, withAnswers + 1))
        sessions.push((await startSession(t.app, tokenOfLink(invitation.link))).json());
      for (const session of sessions.slice(0, withAnswers))
        expect((await submit(t.app, session.sessionToken, answersFor(session.survey.questions))).statusCode).toBe(201);
      const closed = await t.app.inject({ method: 'POST', url: `/v1/surveys/${survey}/close`, headers: bearer(admin) });
      expect(closed.statusCode).toBeLessThan(300);
      for (let i = 0; i < 50 && (await keysOf(opened.wave.id)).length > 0; i++)
        await new Promise((r) => setTimeout(r, 100));
      const epochsBefore = await t.app.db
        .selectFrom('sealed_box_epochs')
        .selectAll()
        .where('wave_id', '=', opened.wave.id)
        .execute();
      const late = sessions.at(-1)!;
      const refused = await submit(t.app, late.sessionToken, answersFor(late.survey.questions));
      expect(refused.statusCode, refused.body).toBe(410);
      expect(refused.json().code).toBe('token-expired');
      expect(await keysOf(opened.wave.id)).toEqual([]);
      expect(
        await t.app.db.selectFrom('sealed_box_epochs').selectAll().where('wave_id', '=', opened.wave.id).execute(),
      ).toEqual(epochsBefore);
    };
    await lateSubmit(K + 1); // its keys were destroyed at the close: the submit answered 500
    await lateSubmit(0); // it never had one: the submit made a key and an epoch row
  });

  it('when a crash left a second name of a key (its temporary file), then the release destroys it too', async () => {
    const crashed = await rosteredOrganization(t.app, 12, 10);
    const id = (await createSurvey(t.app, crashed.admin, { definition, minGroupSize: K })).id;
    const opened = await openWave(t.app, crashed.admin, id);
    const fingerprints: string[] = [];
    for (const invitation of opened.invitations.slice(0, 3)) {
      const session = (await startSession(t.app, tokenOfLink(invitation.link))).json();
      const fp = `crash-${randomBytes(4).toString('hex')}`;
      fingerprints.push(fp);
      expect((await submit(t.app, session.sessionToken, { mood: 3, fp })).statusCode).toBe(201);
    }
    // What a process killed between link() and unlink() in the key write leaves: two names, one key.
    const folder = path.join(boxKeyDir, crashed.org.id);
    const [keyFile] = await readdir(folder);
    await link(path.join(folder, keyFile!), path.join(folder, `${keyFile}.0badc0de.tmp`));
    const closed = await t.app.inject({
      method: 'POST',
      url: `/v1/surveys/${id}/close`,
      headers: bearer(crashed.admin),
    });
    expect(closed.statusCode).toBeLessThan(300);
    for (let i = 0; i < 50 && (await readdir(folder)).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await readdir(folder)).toEqual([]);
    const attacked = await attack(crashed.org.id, opened.wave.id);
    expect(attacked.boxes).toBeGreaterThan(0);
    expect([...attacked.opened].filter((fp) => fingerprints.includes(fp))).toEqual([]);
  });

  it('P1 when an organization is deleted with answers still waiting, then its keys are destroyed at once (and a restart finds none)', async () => {
    const doomed = await rosteredOrganization(t.app, 12, 8);
    const id = (await createSurvey(t.app, doomed.admin, { definition, minGroupSize: K })).id;
    const { invitations: mine } = await openWave(t.app, doomed.admin, id);
    for (const invitation of mine.slice(0, 3)) {
      const session = (await startSession(t.app, tokenOfLink(invitation.link))).json();
      expect((await submit(t.app, session.sessionToken, { mood: 3, fp: 'waiting' })).statusCode).toBe(201);
    }
    expect(await readdir(path.join(boxKeyDir, doomed.org.id))).toHaveLength(1);
    const owner = await tokenFor(t.app, doomed.org, 'owner');
    const deleted = await t.app.inject({
      method: 'DELETE',
      url: '/v1/organization',
      headers: bearer(owner),
      payload: { confirm: doomed.org.slug },
    });
    expect(deleted.statusCode).toBe(204);
    expect(await readdir(path.join(boxKeyDir, doomed.org.id))).toEqual([]);
    // A restart of the app on the same database and key folder.
    const restarted = await buildApp(testConfig(t.databaseUrl, { boxKeyDir }));
    await restarted.ready();
    await restarted.close();
    expect(await readdir(path.join(boxKeyDir, doomed.org.id))).toEqual([]);
  });

  it('when answers race releases from many connections, then every acknowledged answer is released once, none lost to a destroyed key', async () => {
    const busy = await rosteredOrganization(t.app, 60, 9);
    const id = (await createSurvey(t.app, busy.admin, { definition, minGroupSize: K })).id;
    const { invitations: mine } = await openWave(t.app, busy.admin, id);
    const sessions = await Promise.all(
      mine.map(async (i) => (await startSession(t.app, tokenOfLink(i.link))).json().sessionToken as string),
    );
    const acknowledged = new Set<string>();
    let next = 0;
    await Promise.all(
      Array.from({ length: 12 }, async () => {
        while (next < sessions.length) {
          const i = next++;
          const fp = `race-${i}`;
          const response = await submit(t.app, sessions[i]!, { mood: 1 + (i % 5), fp });
          expect(response.statusCode, response.body).toBe(201);
          acknowledged.add(fp);
        }
      }),
    );
    const closed = await t.app.inject({ method: 'POST', url: `/v1/surveys/${id}/close`, headers: bearer(busy.admin) });
    expect(closed.statusCode).toBeLessThan(300);
    const { rows } = await sql<{
      fp: string;
    }>`select answers->>'fp' as fp from responses where org_id = ${busy.org.id}`.execute(t.app.db);
    expect(rows.map((r) => r.fp).sort()).toEqual([...acknowledged].sort());
    const { rows: epochs } = await sql<{
      epoch: number;
    }>`select epoch from sealed_box_epochs where org_id = ${busy.org.id}`.execute(t.app.db);
    // Several releases happened while submits were in flight.
    expect(epochs[0]!.epoch).toBeGreaterThan(1);
  });

  it('when a second instance seals under the epoch it last knew and a release has moved on, then its answer is sealed again under the new key, not lost', async () => {
    const shared = await rosteredOrganization(t.app, 20, 10);
    const id = (await createSurvey(t.app, shared.admin, { definition, minGroupSize: K })).id;
    const { invitations: mine } = await openWave(t.app, shared.admin, id);
    const other = await buildApp(testConfig(t.databaseUrl, { boxKeyDir, releaseBatchSize: 6 }));
    try {
      const send = async (app: typeof t.app, i: number) => {
        const session = (await startSession(app, tokenOfLink(mine[i]!.link))).json();
        const response = await submit(app, session.sessionToken, { mood: 2, fp: `instance-${i}` });
        expect(response.statusCode, response.body).toBe(201);
      };
      await send(other, 0); // the other instance now holds epoch 0's key in memory
      for (let i = 1; i < 2 * K; i++) await send(t.app, i); // a release: epoch 1, epoch 0's key destroyed
      await send(other, 2 * K);
      const closed = await t.app.inject({
        method: 'POST',
        url: `/v1/surveys/${id}/close`,
        headers: bearer(shared.admin),
      });
      expect(closed.statusCode).toBeLessThan(300);
      const { rows } = await sql<{
        fp: string;
      }>`select answers->>'fp' as fp from responses where org_id = ${shared.org.id}`.execute(t.app.db);
      expect(rows.map((r) => r.fp)).toContain(`instance-${2 * K}`);
      expect(rows).toHaveLength(2 * K + 1);
    } finally {
      await other.close();
    }
  });

  it('when boxes sealed by the previous version (unpadded JSON under the pepper key) wait at upgrade, then they are still released', async () => {
    const old = await rosteredOrganization(t.app, 12, 11);
    const id = (await createSurvey(t.app, old.admin, { definition, minGroupSize: K })).id;
    const { invitations: mine, wave } = await openWave(t.app, old.admin, id);
    const { rows: invited } = await sql<{ attributes: Record<string, string> }>`
      select attributes from invitations where org_id = ${old.org.id} and wave_id = ${wave.id} limit 1`.execute(
      t.app.db,
    );
    // What the previous build's submit wrote: a marker and a box of JSON sealed with the pepper's key.
    const legacy = seal(
      deriveKeys(TEST_PEPPER)['sealed-box'],
      Buffer.from(
        JSON.stringify({ surveyId: id, attributes: invited[0]!.attributes, answers: { mood: 5, fp: 'legacy' } }),
      ),
      `sealed-box:${old.org.id}:${wave.id}`,
    );
    await sql`insert into participation (org_id, wave_id, marker, submission) values (${old.org.id}, ${wave.id}, ${randomBytes(32)}, ${randomBytes(32)})`.execute(
      t.app.db,
    );
    await sql`insert into sealed_responses (org_id, wave_id, sealed) values (${old.org.id}, ${wave.id}, ${legacy})`.execute(
      t.app.db,
    );
    for (const invitation of mine.slice(1, 2 * K)) {
      const session = (await startSession(t.app, tokenOfLink(invitation.link))).json();
      expect((await submit(t.app, session.sessionToken, { mood: 1, fp: 'new' })).statusCode).toBe(201);
    }
    const closed = await t.app.inject({ method: 'POST', url: `/v1/surveys/${id}/close`, headers: bearer(old.admin) });
    expect(closed.statusCode).toBeLessThan(300);
    const { rows } = await sql<{
      fp: string;
    }>`select answers->>'fp' as fp from responses where org_id = ${old.org.id}`.execute(t.app.db);
    expect(rows.filter((r) => r.fp === 'legacy')).toHaveLength(1);
    expect(rows).toHaveLength(2 * K);
  });
});
