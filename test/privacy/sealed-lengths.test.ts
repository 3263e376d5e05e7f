import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveKeys } from '../../src/crypto/tokens.ts';
import { composeMail, type MailMessage } from '../../src/delivery/templates.ts';
import { open } from '../../src/crypto/aead.ts';
import { unpad } from '../../src/anonymity/padding.ts';
import { answersSchema, type SurveyDefinition } from '../../src/surveys/questions.ts';
import { TEMPLATES } from '../../src/surveys/templates.ts';
import { sealResponse } from '../../src/anonymity/sealed-box.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { bearer, buildOrganization, tokenFor } from '../helpers/factories.ts';
import { declareDimensions, importCsv } from '../helpers/roster.ts';
import { answersFor, createSurvey, openWave, startSession, submit } from '../helpers/surveys.ts';
import { currentXid, storedLengths, walInsertLengths } from './on-disk.ts';
import { newNicknameCode } from '../../src/invitations/codes.ts';

/**
 * SPEC P1 (T2): a sealed value's length depends on nothing but its kind. Unpadded AES-GCM boxes
 * are their plaintext plus 28 bytes, so a dead box (or its WAL insert record) minus a released
 * response's answers gives one invitee's attribute snapshot, and an outbox mail gives its
 * recipient's address length.
 */
const keys = deriveKeys(randomBytes(32));
const KOREAN = fc.string({ unit: fc.constantFrom(...'조용한왜가리응답설문익명감사합니다 '), minLength: 1 });

/** Every valid answer set of a definition: skipped optionals, any choices, any text up to maxLength. */
function arbitraryAnswers(definition: SurveyDefinition) {
  const entries = definition.questions.map((q) => {
    const value = (() => {
      switch (q.type) {
        case 'likert5':
          return fc.integer({ min: 1, max: 5 });
        case 'scale0_10':
          return fc.integer({ min: 0, max: 10 });
        case 'yes_no':
          return fc.boolean();
        case 'single_choice':
          return fc.constantFrom(...q.options.map((o) => o.id));
        case 'multi_choice':
          return fc.shuffledSubarray(
            q.options.map((o) => o.id),
            { minLength: 1 },
          );
        case 'text':
          return fc
            .oneof(fc.string({ unit: 'grapheme', minLength: 1 }), KOREAN, fc.constant('가'.repeat(q.maxLength)))
            .map((s) => s.slice(0, q.maxLength).trim() || 'x');
      }
    })() as fc.Arbitrary<unknown>;
    return [q.id, q.required ? value : fc.option(value, { nil: undefined })] as const;
  });
  return fc.record(Object.fromEntries(entries)).map((a) => answersSchema(definition).parse(a));
}

const attributes = fc.dictionary(
  fc.constantFrom('department', 'location', 'tenure_band'),
  fc.oneof(
    fc.string({ maxLength: 200 }),
    KOREAN.map((s) => s.slice(0, 200)),
  ),
);

describe('P1 sealed box lengths', () => {
  for (const template of TEMPLATES) {
    it(`when any answers, comments and attributes are sealed for the ${template.key} template, then every box has one length`, () => {
      const definition = template.definition;
      const lengths = new Set<number>();
      fc.assert(
        fc.property(arbitraryAnswers(definition), attributes, fc.uuid(), (answers, snapshot, surveyId) => {
          const box = sealResponse(keys['sealed-box'], 'org', 'wave', definition, {
            surveyId,
            attributes: snapshot,
            answers,
          });
          lengths.add(box.length);
          return lengths.size === 1;
        }),
        { numRuns: 60 },
      );
    });
  }

  it('when mails of one survey go to addresses, codes and readers of every length and language, then they are sealed at one size', () => {
    const definition = TEMPLATES[0]!.definition;
    const language = fc.constantFrom('en', 'ko', 'pl', 'de');
    fc.assert(
      fc.property(
        fc.emailAddress(),
        fc.emailAddress(),
        fc.constantFrom('invitation', 'reminder'),
        language,
        language,
        (a, b, kind, la, lb) => {
          const link = `https://quorum.test/s/qi_${'x'.repeat(43)}`;
          const reader = (l: string) => ({ organizationName: 'Acme Sp. z o.o.', language: l });
          const one = composeMail(kind, definition, 5, a.slice(0, 254), link, newNicknameCode(), reader(la));
          const two = composeMail(kind, definition, 5, b.slice(0, 254), link, newNicknameCode(), reader(lb));
          return (
            one.sealedBytes === two.sealedBytes &&
            one.sealedBytes >= Buffer.byteLength(JSON.stringify(one.message)) &&
            two.sealedBytes >= Buffer.byteLength(JSON.stringify(two.message))
          );
        },
      ),
    );
  });
});

/** People whose e-mail addresses and attribute snapshots differ in length (and script). */
const people = [
  ['p01', 'a@x.io', 'A', 'Seoul'],
  ['p02', 'bo@example.com', 'Customer Support', 'Busan'],
  ['p03', 'christopher.alexander.long-name@subsidiary.example.co.kr', 'Data Protection', 'Kraków'],
  ['p04', 'd@y.pl', '고객 지원 센터 야간 상담팀', 'Gdańsk'],
  ['p05', 'eve.eavesdropper@e.com', 'B', 'Remote'],
  ['p06', 'f.x@company-with-a-long-domain-name.example', 'People & Culture', 'Warszawa'],
  ['p07', 'gg@g.gg', 'Engineering and Platform Reliability Operations', 'Seoul'],
  ['p08', 'h@h.hh', 'Ops', 'S'],
  ['p09', 'iiiiiiiiiiiiiiiiiiii@iiiiiiiiiiiiiiiiii.ii', 'Legal', 'Busan'],
  ['p10', 'j@jj.jj', '법무', 'Seoul'],
];

let t: TestApp;
let admin: string;
let orgId: string;

beforeAll(async () => {
  // No release while the test writes: every box stays in the table for the attacker to read.
  t = await buildTestApp({ config: { releaseBatchSize: 10_000, smtpUrl: 'smtp://127.0.0.1:9' } });
  const org = await buildOrganization(t.app);
  orgId = org.id;
  admin = await tokenFor(t.app, org, 'admin');
  await declareDimensions(t.app, admin, [
    { key: 'department', reportable: true },
    { key: 'location', reportable: true },
  ]);
  const csv = ['external_id,email,name,department,location', ...people.map(([id, e, d, l]) => `${id},${e},,${d},${l}`)];
  const imported = await importCsv(t.app, admin, csv.join('\n'));
  if (imported.statusCode !== 200) throw new Error(imported.body);
  await sql`create extension if not exists pageinspect`.execute(t.app.db);
  await sql`create extension if not exists pg_walinspect`.execute(t.app.db);
});
afterAll(() => t.close());

describe('when a T2 attacker reads the pages and WAL of the sealed box and the outbox', () => {
  for (const [name, maxLength] of [
    ['stored in line', 300],
    ['moved out of line (TOAST)', 2000],
  ] as const) {
    it(`then every box (${name}) and every queued mail has one stored length, whoever answered`, async () => {
      const { rows } = await sql<{ lsn: string }>`select pg_current_wal_insert_lsn()::text as lsn`.execute(t.app.db);
      const start = rows[0]!.lsn;
      const since = await currentXid(t.app.db);
      const survey = await createSurvey(t.app, admin, {
        definition: {
          title: { en: 'Lengths', ko: '길이' },
          languages: ['en', 'ko'],
          defaultLanguage: 'en',
          questions: [
            { id: 'mood', type: 'likert5', text: { en: 'Mood?' } },
            { id: 'why', type: 'text', text: { en: 'Why?' }, required: false, maxLength },
            {
              id: 'pick',
              type: 'multi_choice',
              text: { en: 'Pick' },
              options: ['a', 'b', 'c'].map((id) => ({ id, text: { en: id } })),
            },
          ],
        },
        minGroupSize: 5,
        delivery: 'email',
      });
      await openWave(t.app, admin, survey.id);
      // The employees' side: each reads the link in their own mail (HR never sees it).
      const links = (
        await sql<{
          sealed: Buffer;
        }>`select sealed from mail_outbox where org_id = ${orgId} and xmin::text::bigint > ${since}`.execute(t.app.db)
      ).rows
        .map((m) => JSON.parse(unpad(open(t.app.keys['mail-outbox'], m.sealed, `mail-outbox:${orgId}`)!)!.toString()))
        .map((m: MailMessage) => /\/s\/(qi_[\w-]+)/.exec(m.text)![1]!);
      const comments = ['', 'ok', '야간 근무가 너무 힘들어요. 팀장님께 말하기 어렵습니다.', 'x'.repeat(maxLength)];
      for (const [i, link] of links.slice(0, 8).entries()) {
        const session = (await startSession(t.app, link)).json();
        const answers = { ...answersFor(session.survey.questions, i), why: comments[i % comments.length] };
        expect((await submit(t.app, session.sessionToken, answers)).statusCode).toBe(201);
      }
      const reminded = await t.app.inject({
        method: 'POST',
        url: `/v1/surveys/${survey.id}/reminders`,
        headers: bearer(admin),
      });
      expect(reminded.statusCode).toBeLessThan(300);
      const end = (await sql<{ lsn: string }>`select pg_current_wal_insert_lsn()::text as lsn`.execute(t.app.db))
        .rows[0]!.lsn;

      // Pages: every tuple written since the start (dead ones too) has one length, and every
      // TOAST value the same chunks.
      const wal = await walInsertLengths(t.app.db, start, end, ['sealed_responses', 'mail_outbox']);
      for (const [table, atLeast] of [
        ['sealed_responses', 8],
        ['mail_outbox', people.length + 2],
      ] as const) {
        const stored = await storedLengths(t.app.db, table, since);
        expect(stored.rows, table).toBeGreaterThanOrEqual(atLeast);
        expect(stored.distinct, table).toHaveLength(1);
        expect(stored.toastShapes.length, table).toBeLessThanOrEqual(1);
        // WAL: one insert length for the rows, and TOAST inserts that are n copies of one value's
        // chunks (a WAL insert carries the tuple less its 23-byte header and alignment, plus 5 bytes).
        expect(wal.get(table)!.length, table).toBe(stored.rows);
        expect(new Set(wal.get(table)), table).toHaveLength(1);
        const chunks = stored.toastShapes[0]?.split(',').map((n) => Number(n) - 23 + 5) ?? [];
        const toastWal = wal.get(`${table}:toast`)!.toSorted((a, b) => a - b);
        expect(toastWal, table).toEqual(
          Array.from({ length: stored.toastValues }, () => chunks)
            .flat()
            .toSorted((a, b) => a - b),
        );
      }
    });
  }
});
