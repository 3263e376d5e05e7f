import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, TEST_PEPPER, type TestApp } from '../helpers/app.ts';
import { spawnNode } from '../helpers/process.ts';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(() => t.close());

const runCli = async (args: string[]) => {
  const run = spawnNode('src/cli.ts', args, {
    DATABASE_URL: t.databaseUrl,
    TOKEN_PEPPER: TEST_PEPPER.toString('hex'),
    LOG_LEVEL: 'silent',
  });
  const code = await run.exited;
  return { code, output: run.output() };
};

const loginAs = (organization: string, email: string, password: string) =>
  t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { organization, email, password } });

describe('operator CLI', () => {
  it('when create-org runs, then the organization and its owner exist and the printed password logs in', async () => {
    const { code, output } = await runCli([
      'create-org',
      '--slug',
      'acme',
      '--name',
      'Acme 주식회사',
      '--owner-email',
      'HR@acme.example',
      '--min-group-size',
      '7',
    ]);
    expect(code, output).toBe(0);
    const password = /password (\S+)/.exec(output)![1]!;
    const response = await loginAs('acme', 'hr@acme.example', password);
    expect(response.statusCode).toBe(200);
    expect(response.json().organization.name).toBe('Acme 주식회사');
    const org = await t.app.db
      .selectFrom('organizations')
      .selectAll()
      .where('slug', '=', 'acme')
      .executeTakeFirstOrThrow();
    expect(org.min_group_size).toBe(7);
  });

  it('when the slug is taken or k is below 3, then it exits 1 with a clear message and changes nothing', async () => {
    const before = await t.app.db
      .selectFrom('organizations')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const taken = await runCli(['create-org', '--slug', 'acme', '--owner-email', 'x@acme.example']);
    expect(taken.code).toBe(1);
    expect(taken.output).toMatch(/already exists/);
    const small = await runCli([
      'create-org',
      '--slug',
      'tiny',
      '--owner-email',
      'x@tiny.example',
      '--min-group-size',
      '2',
    ]);
    expect(small.code).toBe(1);
    expect(small.output).toMatch(/--min-group-size/);
    const after = await t.app.db
      .selectFrom('organizations')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });

  it('when reset-password runs, then the old sessions end and the new password works', async () => {
    const created = await runCli(['create-org', '--slug', 'resetco', '--owner-email', 'hr@resetco.example']);
    const oldPassword = /password (\S+)/.exec(created.output)![1]!;
    const token = (await loginAs('resetco', 'hr@resetco.example', oldPassword)).json().token as string;
    const reset = await runCli(['reset-password', '--org', 'resetco', '--email', 'hr@resetco.example']);
    expect(reset.code, reset.output).toBe(0);
    const newPassword = /new password (\S+)/.exec(reset.output)![1]!;
    expect(
      (await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: { authorization: `Bearer ${token}` } }))
        .statusCode,
    ).toBe(401);
    expect((await loginAs('resetco', 'hr@resetco.example', oldPassword)).statusCode).toBe(401);
    expect((await loginAs('resetco', 'hr@resetco.example', newPassword)).statusCode).toBe(200);
  });

  it('when run without a command, then it prints usage; with a bad environment it names the variable', async () => {
    expect((await runCli([])).output).toMatch(/create-org/);
    const bad = spawnNode('src/cli.ts', ['migrate'], { DATABASE_URL: t.databaseUrl });
    expect(await bad.exited).toBe(1);
    expect(bad.output()).toMatch(/TOKEN_PEPPER/);
  });
});
