import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { buildAccount, buildOrganization, PASSWORD, type TestOrg } from '../helpers/factories.ts';
import { cookiesOf, getPage, postForm, signIn } from '../helpers/dashboard.ts';

let t: TestApp;
let org: TestOrg;

beforeAll(async () => {
  t = await buildTestApp();
  org = await buildOrganization(t.app);
});
afterAll(async () => t?.close());

describe('dashboard sign-in', () => {
  it('sends a reader without a session to sign in, and back to the page asked for', async () => {
    const page = await getPage(t.app, '', '/hr/surveys');
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe('/hr/login?next=%2Fhr%2Fsurveys');
    const form = await getPage(t.app, '', page.headers.location!);
    expect(form.statusCode).toBe(200);
    expect(form.headers['content-type']).toMatch(/^text\/html/);
    expect(form.headers['cache-control']).toBe('no-store');
    expect(form.headers['content-security-policy']).toContain("default-src 'none'");
    expect(form.body).toContain('action="/hr/login?next=%2Fhr%2Fsurveys"');

    const signedIn = await postForm(t.app, '', '/hr/login?next=%2Fhr%2Fsurveys', {
      organization: org.slug,
      email: org.ownerEmail,
      password: PASSWORD,
    });
    expect(signedIn.statusCode).toBe(303);
    expect(signedIn.headers.location).toBe('/hr/surveys');
    const setCookie = String(signedIn.headers['set-cookie']);
    expect(setCookie).toMatch(/quorum_session=[^;]+;.*HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    const list = await getPage(
      t.app,
      `quorum_session=${cookiesOf(signedIn.headers['set-cookie']).quorum_session}`,
      '/hr/surveys',
    );
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain(org.ownerEmail);
  });

  it('never redirects off the dashboard after sign-in (open redirect)', async () => {
    for (const next of ['//evil.example/hr', 'https://evil.example/', '/hr//evil.example', '/v1/organization']) {
      const r = await postForm(t.app, '', `/hr/login?next=${encodeURIComponent(next)}`, {
        organization: org.slug,
        email: org.ownerEmail,
        password: PASSWORD,
      });
      expect(r.headers.location, next).toBe('/hr/surveys');
    }
  });

  it('keeps what was typed and says why when the password is wrong, in the reader’s language', async () => {
    const r = await postForm(
      t.app,
      '',
      '/hr/login',
      { organization: org.slug, email: org.ownerEmail, password: 'wrong password here' },
      { 'accept-language': 'pl' },
    );
    expect(r.statusCode).toBe(401);
    expect(r.body).toContain('lang="pl"');
    expect(r.body).toContain('Organizacja, e-mail lub hasło są nieprawidłowe.');
    expect(r.body).toContain(`value="${org.slug}"`);
    expect(r.body).not.toContain('wrong password here');
    expect(r.headers['set-cookie']).toBeUndefined();
  });

  it('refuses a form posted from another site, sign-in included (CSRF)', async () => {
    const cookie = await signIn(t.app, org.slug, org.ownerEmail);
    for (const origin of ['https://evil.example', 'null']) {
      const r = await postForm(t.app, cookie, '/hr/logout', {}, { origin });
      expect(r.statusCode).toBe(403);
      const login = await postForm(
        t.app,
        '',
        '/hr/login',
        { organization: org.slug, email: org.ownerEmail, password: PASSWORD },
        { origin },
      );
      expect(login.statusCode).toBe(403);
    }
    const noOrigin = await t.app.inject({
      method: 'POST',
      url: '/hr/logout',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: '',
    });
    expect(noOrigin.statusCode).toBe(403);
    expect((await getPage(t.app, cookie, '/hr/surveys')).statusCode).toBe(200);
  });

  it('signs out: the session no longer opens a page', async () => {
    const cookie = await signIn(t.app, org.slug, org.ownerEmail);
    const out = await postForm(t.app, cookie, '/hr/logout', {});
    expect(out.statusCode).toBe(303);
    expect(out.headers.location).toBe('/hr/login?done=signed-out');
    expect((await getPage(t.app, cookie, '/hr/surveys')).statusCode).toBe(303);
  });

  it('locks the account out after repeated failures, as the API does', async () => {
    const analyst = await buildAccount(t.app, org, 'analyst');
    let last = 0;
    for (let i = 0; i < 6; i++)
      last = (
        await postForm(t.app, '', '/hr/login', {
          organization: org.slug,
          email: analyst.email,
          password: 'not the password',
        })
      ).statusCode;
    expect(last).toBe(429);
    const locked = await postForm(t.app, '', '/hr/login', {
      organization: org.slug,
      email: analyst.email,
      password: PASSWORD,
    });
    expect(locked.statusCode).toBe(429);
    expect(locked.headers['retry-after']).toBeDefined();
  });

  it('changes the password and ends the other sessions', async () => {
    const person = await buildAccount(t.app, org, 'analyst');
    const here = await signIn(t.app, org.slug, person.email);
    const elsewhere = await signIn(t.app, org.slug, person.email);
    const wrong = await postForm(t.app, here, '/hr/account/password', { current: 'nope', next: 'a new long password' });
    expect(wrong.statusCode).toBe(400);
    const short = await postForm(t.app, here, '/hr/account/password', { current: PASSWORD, next: 'short' });
    expect(short.statusCode).toBe(400);
    expect(short.body).toContain('aria-invalid="true"');
    const changed = await postForm(t.app, here, '/hr/account/password', {
      current: PASSWORD,
      next: 'a new long password',
    });
    expect(changed.statusCode).toBe(303);
    expect((await getPage(t.app, here, '/hr/account')).statusCode).toBe(200);
    expect((await getPage(t.app, elsewhere, '/hr/account')).statusCode).toBe(303);
    await signIn(t.app, org.slug, person.email, 'a new long password');
  });

  it('remembers the language chosen in the switcher', async () => {
    const cookie = await signIn(t.app, org.slug, org.ownerEmail);
    const chosen = await getPage(t.app, cookie, '/hr/language?lang=ko&next=%2Fhr%2Fsurveys');
    expect(chosen.statusCode).toBe(303);
    expect(chosen.headers.location).toBe('/hr/surveys');
    const lang = cookiesOf(chosen.headers['set-cookie']).quorum_hr_lang;
    expect(lang).toBe('ko');
    const page = await getPage(t.app, `${cookie}; quorum_hr_lang=ko`, '/hr/surveys', { 'accept-language': 'pl' });
    expect(page.body).toContain('<html lang="ko">');
    expect(page.body).toContain('로그아웃');
  });

  it('answers an unknown dashboard page with a 404 page, not JSON', async () => {
    const cookie = await signIn(t.app, org.slug, org.ownerEmail);
    const r = await getPage(t.app, cookie, '/hr/no-such-page');
    expect(r.statusCode).toBe(404);
    expect(r.headers['content-type']).toMatch(/^text\/html/);
  });
});
