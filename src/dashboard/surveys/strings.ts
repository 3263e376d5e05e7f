import type { UiLanguage } from '../../pages/i18n.ts';

const en = {
  listTitle: 'Surveys',
  none: 'No survey yet.',
  title: 'Survey',
  status: 'Status',
  statuses: { draft: 'draft', open: 'open', closed: 'closed' } as Record<string, string>,
  delivery: 'Delivery',
  deliveries: { email: 'e-mail', codes: 'kiosk codes', download: 'named links (HR holds them)' } as Record<
    string,
    string
  >,
  waves: 'Waves',
  created: 'Created',
  results: 'Results',
};
export type SurveyStrings = typeof en;

const ko: SurveyStrings = {
  listTitle: '설문',
  none: '아직 설문이 없습니다.',
  title: '설문',
  status: '상태',
  statuses: { draft: '초안', open: '진행 중', closed: '종료' },
  delivery: '배포 방식',
  deliveries: { email: '이메일', codes: '키오스크 코드', download: '실명 링크 (HR 보관)' },
  waves: '회차',
  created: '만든 날',
  results: '결과',
};

const pl: SurveyStrings = {
  listTitle: 'Ankiety',
  none: 'Nie ma jeszcze ankiet.',
  title: 'Ankieta',
  status: 'Stan',
  statuses: { draft: 'szkic', open: 'otwarta', closed: 'zamknięta' },
  delivery: 'Dostarczanie',
  deliveries: { email: 'e-mail', codes: 'kody do kiosku', download: 'imienne linki (trzyma je HR)' },
  waves: 'Edycje',
  created: 'Utworzono',
  results: 'Wyniki',
};

export const SURVEYS: Record<UiLanguage, SurveyStrings> = { en, ko, pl };
