import type { UiLanguage } from '../../pages/i18n.ts';

/**
 * Text of the dashboard's frame, shared by every section. Each section keeps its own strings
 * beside its pages (surveys/strings.ts, …), typed by its English table, so a missing translation
 * is a type error, not a blank on the page.
 */
const en = {
  dashboard: 'HR dashboard',
  skip: 'Skip to the content',
  mainNav: 'Main',
  surveys: 'Surveys',
  roster: 'Roster',
  settings: 'Settings',
  account: 'Your account',
  signedInAs: (email: string, role: string) => `${email} (${role})`,
  roles: { owner: 'owner', admin: 'admin', analyst: 'analyst' } as Record<string, string>,
  signOut: 'Sign out',
  language: 'Language',
  errorTitle: 'This cannot be done',
  back: 'Back',
  forbidden: 'Your role does not allow this.',
  notFound: 'This page or item does not exist, or it belongs to another organization.',
  unavailable: 'The database cannot answer just now. Nothing was changed; please try again in a moment.',
  internal: 'Something went wrong on our side. Nothing was changed.',
  crossOrigin: 'This form was sent from another site, so it was refused.',
  fixBelow: 'Please correct what is marked below.',
  invalidField: 'Please check this value.',
  requiredField: 'This is required.',
  saved: 'Saved.',
};

export type ShellStrings = typeof en;

const ko: ShellStrings = {
  dashboard: 'HR 대시보드',
  skip: '본문으로 건너뛰기',
  mainNav: '주 메뉴',
  surveys: '설문',
  roster: '명단',
  settings: '설정',
  account: '내 계정',
  signedInAs: (email, role) => `${email} (${role})`,
  roles: { owner: '소유자', admin: '관리자', analyst: '분석가' },
  signOut: '로그아웃',
  language: '언어',
  errorTitle: '이 작업을 할 수 없습니다',
  back: '돌아가기',
  forbidden: '현재 역할로는 할 수 없는 작업입니다.',
  notFound: '이 페이지나 항목이 없거나 다른 조직의 것입니다.',
  unavailable: '지금은 데이터베이스가 응답하지 않습니다. 아무것도 바뀌지 않았습니다. 잠시 후 다시 시도하세요.',
  internal: '문제가 발생했습니다. 아무것도 바뀌지 않았습니다.',
  crossOrigin: '다른 사이트에서 보낸 양식이라 거부되었습니다.',
  fixBelow: '아래 표시된 항목을 고쳐 주세요.',
  invalidField: '이 값을 확인해 주세요.',
  requiredField: '필수 항목입니다.',
  saved: '저장했습니다.',
};

const pl: ShellStrings = {
  dashboard: 'Panel HR',
  skip: 'Przejdź do treści',
  mainNav: 'Menu główne',
  surveys: 'Ankiety',
  roster: 'Lista pracowników',
  settings: 'Ustawienia',
  account: 'Twoje konto',
  signedInAs: (email, role) => `${email} (${role})`,
  roles: { owner: 'właściciel', admin: 'administrator', analyst: 'analityk' },
  signOut: 'Wyloguj',
  language: 'Język',
  errorTitle: 'Nie można tego zrobić',
  back: 'Wróć',
  forbidden: 'Twoja rola na to nie pozwala.',
  notFound: 'Ta strona lub pozycja nie istnieje albo należy do innej organizacji.',
  unavailable: 'Baza danych chwilowo nie odpowiada. Nic nie zostało zmienione; spróbuj ponownie za chwilę.',
  internal: 'Coś poszło nie tak po naszej stronie. Nic nie zostało zmienione.',
  crossOrigin: 'Ten formularz wysłano z innej witryny, więc został odrzucony.',
  fixBelow: 'Popraw zaznaczone poniżej pola.',
  invalidField: 'Sprawdź tę wartość.',
  requiredField: 'To pole jest wymagane.',
  saved: 'Zapisano.',
};

export const SHELL: Record<UiLanguage, ShellStrings> = { en, ko, pl };
