import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { buildOrganization } from '../helpers/factories.ts';
import { issueInvitations } from '../../src/invitations/service.ts';
import {
  CODE_LIFETIME_DAYS,
  CODE_SPACE,
  MAX_INVITATIONS_PER_WAVE,
  newNicknameCode,
} from '../../src/invitations/codes.ts';
import { CODE_GUESS_LIMITS } from '../../src/plugins/code-guessing.ts';

// docs/codes.md, "Guessing resistance": P <= N * G / S, from the constants the service enforces.
describe('guessing resistance (P5)', () => {
  const N = MAX_INVITATIONS_PER_WAVE;
  // The shared windows are minutes of the database's clock: a span touches one more than it divides into.
  const windows = Math.ceil((CODE_LIFETIME_DAYS * 86_400) / CODE_GUESS_LIMITS.windowSeconds) + 1;
  const S = Number(CODE_SPACE);

  it('when the generator is asked, then its code space is what the arithmetic assumes (19 free digits)', () => {
    expect(CODE_SPACE).toBe(10n ** 19n);
    const data = new Set(Array.from({ length: 2000 }, () => newNicknameCode().replaceAll(' ', '').slice(0, 19)));
    expect(data.size).toBe(2000);
  });

  it("when one organization's largest wave is guessed at for its whole code lifetime, then the chance of any hit is at most one in a million", () => {
    const G = Math.min(CODE_GUESS_LIMITS.perOrganization, CODE_GUESS_LIMITS.global) * windows;
    const P = (N * G) / S;
    expect(P).toBeLessThanOrEqual(1e-6);
  });

  it('when every organization is guessed at together, then the global budget keeps the chance of any hit anywhere at most one in a million', () => {
    const P = (N * CODE_GUESS_LIMITS.global * windows) / S;
    expect(P).toBeLessThanOrEqual(1e-6);
  });
});

describe('the largest wave (N of the arithmetic)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('when a wave would hold more invitations than the arithmetic allows, then issuing them is refused with 409 and nothing is written', async () => {
    const org = await buildOrganization(t.app);
    const invitee = { participantId: null, attributes: {}, heldByHr: false };
    const issuing = t.app.db
      .transaction()
      .execute((trx) =>
        issueInvitations(trx, t.app.keys, org.id, randomUUID(), Array(MAX_INVITATIONS_PER_WAVE + 1).fill(invitee)),
      );
    await expect(issuing).rejects.toMatchObject({ status: 409, code: 'wave-too-large' });
    const { n } = await t.app.db
      .selectFrom('invitations')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('org_id', '=', org.id)
      .executeTakeFirstOrThrow();
    expect(Number(n)).toBe(0);
  });
});
