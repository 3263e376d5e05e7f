import { PASSWORD_MIN_LENGTH } from '../../auth/passwords.ts';
import type { Principal } from '../../auth/principal.ts';
import { html, type SafeHtml } from '../../pages/html.ts';
import type { UiLanguage } from '../../pages/i18n.ts';
import { inputField, type FieldErrors } from '../shell/forms.ts';
import { SHELL } from '../shell/strings.ts';
import { SIGN_IN } from './strings.ts';

export function signInPage(
  lang: UiLanguage,
  state: {
    values?: Record<string, string>;
    errors?: FieldErrors;
    notice?: string | undefined;
    next?: string | undefined;
  },
): SafeHtml {
  const t = SIGN_IN[lang];
  const problem = state.errors?._form;
  const message = problem?.startsWith('locked:')
    ? t.locked(Number(problem.slice(7)))
    : problem
      ? t.wrongCredentials
      : '';
  const action = state.next ? `/hr/login?next=${encodeURIComponent(state.next)}` : '/hr/login';
  return html`<div class="narrow">
    <h1>${t.signInTitle}</h1>
    ${state.notice ? html`<p class="notice" role="status">${state.notice}</p>` : ''}
    <p>${t.signInIntro}</p>
    ${message ? html`<div class="error-summary" role="alert"><p>${message}</p></div>` : ''}
    <form method="post" action="${action}" class="stack">
      ${inputField({
        name: 'organization',
        label: t.organization,
        hint: t.organizationHint,
        value: state.values?.organization,
        autocomplete: 'organization',
        required: true,
      })}
      ${inputField({ name: 'email', label: t.email, type: 'email', value: state.values?.email, autocomplete: 'username', required: true })}
      ${inputField({ name: 'password', label: t.password, type: 'password', autocomplete: 'current-password', required: true })}
      <button type="submit" class="primary">${t.signIn}</button>
    </form>
  </div>`;
}

export function accountPage(
  lang: UiLanguage,
  principal: Principal,
  state: { errors?: FieldErrors; notice?: boolean },
): SafeHtml {
  const t = SIGN_IN[lang];
  const shell = SHELL[lang];
  const errors = state.errors ?? {};
  const message = (field: string) =>
    errors[field] === 'wrong'
      ? t.wrongCurrent
      : errors[field] === 'short'
        ? t.tooShort(PASSWORD_MIN_LENGTH)
        : errors[field]
          ? shell.invalidField
          : undefined;
  const scope = principal.kind === 'session' ? principal.scope : null;
  return html`<div class="narrow">
    <h1>${t.accountTitle}</h1>
    ${state.notice ? html`<p class="notice" role="status">${t.passwordChanged}</p>` : ''}
    <dl class="facts">
      <dt>${t.role}</dt>
      <dd>${shell.roles[principal.role] ?? principal.role}</dd>
      ${
        scope
          ? html`<dt>${t.scope}</dt>
              <dd>${scope.dimension}: ${scope.value}</dd>`
          : ''
      }
    </dl>
    <h2>${t.changePassword}</h2>
    <form method="post" action="/hr/account/password" class="stack">
      ${inputField({ name: 'current', label: t.currentPassword, type: 'password', autocomplete: 'current-password', required: true, error: message('current') })}
      ${inputField({
        name: 'next',
        label: t.newPassword,
        type: 'password',
        autocomplete: 'new-password',
        required: true,
        hint: t.newPasswordHint(PASSWORD_MIN_LENGTH),
        error: message('next'),
        attributes: html`minlength="${PASSWORD_MIN_LENGTH}"`,
      })}
      <button type="submit" class="primary">${t.changePassword}</button>
    </form>
  </div>`;
}
