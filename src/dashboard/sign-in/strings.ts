import type { UiLanguage } from '../../pages/i18n.ts';
import { plural } from '../../pages/plural.ts';

const znaki = (n: number) => plural('pl', n, { one: '# znak', few: '# znaki', many: '# znaków', other: '# znaku' });

const en = {
  signInTitle: 'Sign in',
  signInIntro: 'HR accounts only. Employees answer through their link or code, never here.',
  organization: 'Organization',
  organizationHint: 'The short name of your organization, for example "demo".',
  email: 'E-mail',
  password: 'Password',
  signIn: 'Sign in',
  wrongCredentials: 'The organization, e-mail or password is not correct.',
  locked: (minutes: number) => `Too many failed sign-ins. Try again in ${minutes} min.`,
  signedOut: 'You are signed out.',
  accountTitle: 'Your account',
  role: 'Role',
  scope: 'You see only',
  changePassword: 'Change password',
  currentPassword: 'Current password',
  newPassword: 'New password',
  newPasswordHint: (min: number) => `At least ${min} characters. Your other sessions end.`,
  wrongCurrent: 'The current password is not correct.',
  passwordChanged: 'Your password was changed; your other sessions were ended.',
  tooShort: (min: number) => `At least ${min} characters, please.`,
};

export type SignInStrings = typeof en;

const ko: SignInStrings = {
  signInTitle: '로그인',
  signInIntro: 'HR 계정 전용입니다. 직원은 여기가 아니라 링크나 코드로 응답합니다.',
  organization: '조직',
  organizationHint: '조직의 짧은 이름입니다. 예: "demo".',
  email: '이메일',
  password: '비밀번호',
  signIn: '로그인',
  wrongCredentials: '조직, 이메일 또는 비밀번호가 올바르지 않습니다.',
  locked: (minutes) => `로그인 실패가 너무 많습니다. ${minutes}분 후에 다시 시도하세요.`,
  signedOut: '로그아웃했습니다.',
  accountTitle: '내 계정',
  role: '역할',
  scope: '볼 수 있는 범위',
  changePassword: '비밀번호 변경',
  currentPassword: '현재 비밀번호',
  newPassword: '새 비밀번호',
  newPasswordHint: (min) => `${min}자 이상. 다른 세션은 모두 종료됩니다.`,
  wrongCurrent: '현재 비밀번호가 올바르지 않습니다.',
  passwordChanged: '비밀번호를 바꿨습니다. 다른 세션은 종료되었습니다.',
  tooShort: (min) => `${min}자 이상 입력해 주세요.`,
};

const pl: SignInStrings = {
  signInTitle: 'Logowanie',
  signInIntro: 'Tylko konta HR. Pracownicy odpowiadają przez swój link lub kod, nigdy tutaj.',
  organization: 'Organizacja',
  organizationHint: 'Krótka nazwa Twojej organizacji, np. „demo”.',
  email: 'E-mail',
  password: 'Hasło',
  signIn: 'Zaloguj',
  wrongCredentials: 'Organizacja, e-mail lub hasło są nieprawidłowe.',
  locked: (minutes) => `Zbyt wiele nieudanych logowań. Spróbuj ponownie za ${minutes} min.`,
  signedOut: 'Wylogowano.',
  accountTitle: 'Twoje konto',
  role: 'Rola',
  scope: 'Widzisz tylko',
  changePassword: 'Zmień hasło',
  currentPassword: 'Obecne hasło',
  newPassword: 'Nowe hasło',
  newPasswordHint: (min) => `Co najmniej ${znaki(min)}. Pozostałe sesje zostaną zakończone.`,
  wrongCurrent: 'Obecne hasło jest nieprawidłowe.',
  passwordChanged: 'Hasło zostało zmienione; pozostałe sesje zakończono.',
  tooShort: (min) => `Co najmniej ${znaki(min)}.`,
};

export const SIGN_IN: Record<UiLanguage, SignInStrings> = { en, ko, pl };
