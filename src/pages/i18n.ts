import { acceptedLanguages } from '../exports/negotiation.ts';
import { people } from './plural.ts';

/** Interface text of the employee pages. Survey texts come from the survey itself. */
export const UI_LANGUAGES = ['en', 'ko', 'pl'] as const;
export type UiLanguage = (typeof UI_LANGUAGES)[number];

const en = {
  languageName: 'English',
  skip: 'Skip to the questions',
  pulseSurvey: (organization: string) => `${organization} — pulse survey`,
  languageNav: 'Language',
  promiseTitle: 'Your answers are anonymous',
  promiseSummary: (k: number) => `HR sees only groups of at least ${people('en', k)}.`,
  promiseMore: 'How your answers are protected',
  promise: (k: number) => [
    'Your answers are stored without your name, e-mail or link, and without the time you answered.',
    `HR sees only totals for groups of at least ${people('en', k)}. Smaller groups are never shown.`,
    `Comments are shown only for groups of at least ${people('en', k)}, in random order, without dates.`,
    'Your link works once. After you send, nothing on this device proves what you answered.',
  ],
  required: 'required',
  optional: 'optional',
  likert: ['Strongly disagree', 'Disagree', 'Neither agree nor disagree', 'Agree', 'Strongly agree'],
  scaleLow: 'Not at all likely',
  scaleHigh: 'Extremely likely',
  yes: 'Yes',
  no: 'No',
  send: 'Send my answers',
  errorsTitle: 'Some answers need another look',
  answerRequired: 'Please answer this question.',
  answerInvalid: 'Please check this answer.',
  warnTitle: 'Your comment might identify you',
  warnIntro: 'These could tell HR who wrote it. You can edit the comment, or send it as it is.',
  warnEmail: 'an e-mail address',
  warnPhone: 'a phone number',
  warnName: 'a named person (for example "my manager …")',
  warnEmployeeId: 'something like an employee number',
  sendAnyway: 'I understand; send my comments as they are',
  thanksTitle: 'Thank you',
  thanks:
    'Your answers were received. Results are shared only in groups, so no one can see what you said. You can close this page.',
  kioskTitle: 'Answer with your code',
  kioskHelp: 'Type the 20 digits from your card. Spaces do not matter.',
  kioskLabel: 'Your code',
  kioskStart: 'Start',
  problemTitle: 'This link cannot be used',
  unavailableTitle: 'Please try again in a moment',
  unavailable:
    'We could not reach our database just now, so nothing was sent. What you typed is still in the form: please send it again in a moment.',
  retry: 'Try again',
  replay:
    'We could not reach our database just now, so nothing was sent. Your answers are kept on this page: press “Try again” in a moment to send them.',
  problems: {
    'service-unavailable': 'We cannot open this right now. Please try again in a moment.',
    'internal-error': 'Something went wrong on our side. Please try again later.',
    'bad-request': 'This request could not be read. Please go back and try again.',
    'unknown-token': 'This link or code is not valid. Check it, or ask HR for a new one.',
    'token-revoked': 'This invitation was withdrawn.',
    'token-expired': 'This survey has closed. Thank you for your interest.',
    'already-submitted':
      'Answers for this invitation were already received, so these were not stored. If you did not send them yourself, someone else used your invitation: tell your HR contact or employee representative, and ask for a kiosk code to answer.',
    'survey-session-expired': 'Your session has expired. Open your link or enter your code again.',
    'rate-limited': 'Too many tries. Please wait a minute and try again.',
    'code-check-failed':
      'One digit is mistyped, or two neighbouring digits are swapped (the last digit checks the others). Compare with your card and correct it.',
    'code-wrong-length': 'The code has 20 digits; some are missing or extra. Compare with your card.',
    'code-not-digits': 'The code has digits only. Remove any letters.',
  } as Record<string, string>,
};

export type Strings = typeof en;

const ko: Strings = {
  languageName: '한국어',
  skip: '질문으로 건너뛰기',
  pulseSurvey: (organization) => `${organization} — 펄스 설문`,
  languageNav: '언어',
  promiseTitle: '응답은 익명으로 처리됩니다',
  promiseSummary: (k) => `HR은 ${people('ko', k)} 이상인 그룹만 볼 수 있습니다.`,
  promiseMore: '응답을 보호하는 방법',
  promise: (k) => [
    '응답은 이름, 이메일, 링크, 응답 시각 없이 저장됩니다.',
    `HR은 ${people('ko', k)} 이상인 그룹의 합계만 볼 수 있습니다. 더 작은 그룹은 표시되지 않습니다.`,
    `의견은 ${people('ko', k)} 이상인 그룹에서만, 무작위 순서로, 날짜 없이 표시됩니다.`,
    '링크는 한 번만 사용할 수 있습니다. 제출 후 이 기기에는 응답 내용을 증명할 수 있는 것이 남지 않습니다.',
  ],
  required: '필수',
  optional: '선택',
  likert: ['전혀 그렇지 않다', '그렇지 않다', '보통이다', '그렇다', '매우 그렇다'],
  scaleLow: '전혀 추천하지 않음',
  scaleHigh: '매우 추천함',
  yes: '예',
  no: '아니요',
  send: '응답 제출',
  errorsTitle: '확인이 필요한 응답이 있습니다',
  answerRequired: '이 질문에 답해 주세요.',
  answerInvalid: '이 응답을 확인해 주세요.',
  warnTitle: '의견에서 작성자가 드러날 수 있습니다',
  warnIntro: '아래 내용으로 작성자가 누구인지 알 수 있습니다. 의견을 고치거나 그대로 제출할 수 있습니다.',
  warnEmail: '이메일 주소',
  warnPhone: '전화번호',
  warnName: '특정 인물 (예: "우리 팀장 …")',
  warnEmployeeId: '사번으로 보이는 내용',
  sendAnyway: '이해했습니다. 의견을 그대로 제출합니다',
  thanksTitle: '감사합니다',
  thanks:
    '응답이 접수되었습니다. 결과는 그룹 단위로만 공유되므로 누구도 개인의 응답을 볼 수 없습니다. 이 페이지를 닫아도 됩니다.',
  kioskTitle: '코드로 응답하기',
  kioskHelp: '카드에 있는 숫자 20자리를 입력하세요. 띄어쓰기는 상관없습니다.',
  kioskLabel: '내 코드',
  kioskStart: '시작',
  problemTitle: '이 링크는 사용할 수 없습니다',
  unavailableTitle: '잠시 후 다시 시도해 주세요',
  unavailable:
    '지금은 데이터베이스에 연결할 수 없어 아무것도 제출되지 않았습니다. 입력한 내용은 양식에 그대로 남아 있으니 잠시 후 다시 제출해 주세요.',
  retry: '다시 시도',
  replay:
    '지금은 데이터베이스에 연결할 수 없어 아무것도 제출되지 않았습니다. 응답은 이 페이지에 보관되어 있으니 잠시 후 “다시 시도”를 눌러 제출해 주세요.',
  problems: {
    'service-unavailable': '지금은 열 수 없습니다. 잠시 후 다시 시도해 주세요.',
    'internal-error': '문제가 발생했습니다. 나중에 다시 시도해 주세요.',
    'bad-request': '요청을 읽을 수 없습니다. 돌아가서 다시 시도해 주세요.',
    'unknown-token': '유효하지 않은 링크나 코드입니다. 다시 확인하거나 HR에 새 코드를 요청하세요.',
    'token-revoked': '이 초대는 취소되었습니다.',
    'token-expired': '설문이 마감되었습니다. 관심 가져 주셔서 감사합니다.',
    'already-submitted':
      '이 초대로 이미 응답이 접수되어 이번 응답은 저장되지 않았습니다. 직접 보내지 않았다면 다른 사람이 초대를 사용한 것입니다. 인사 담당자나 직원 대표에게 알리고, 키오스크 코드를 받아 응답하세요.',
    'survey-session-expired': '세션이 만료되었습니다. 링크를 다시 열거나 코드를 다시 입력하세요.',
    'rate-limited': '시도 횟수가 너무 많습니다. 잠시 후 다시 시도하세요.',
    'code-check-failed':
      '숫자 하나가 잘못 입력되었거나 이웃한 두 숫자가 바뀌었습니다(마지막 숫자가 나머지를 확인합니다). 카드와 비교해 고쳐 주세요.',
    'code-wrong-length': '코드는 숫자 20자리입니다. 빠지거나 더 들어간 숫자가 있습니다. 카드와 비교해 주세요.',
    'code-not-digits': '코드는 숫자로만 되어 있습니다. 글자를 지워 주세요.',
  },
};

const pl: Strings = {
  languageName: 'Polski',
  skip: 'Przejdź do pytań',
  pulseSurvey: (organization) => `${organization} — ankieta pulsowa`,
  languageNav: 'Język',
  promiseTitle: 'Twoje odpowiedzi są anonimowe',
  // "liczące/liczących co najmniej …" takes the accusative: 3 osoby, 5 osób, 22 osoby.
  promiseSummary: (k) => `HR widzi tylko grupy liczące co najmniej ${people('pl', k, 'accusative')}.`,
  promiseMore: 'Jak chronimy Twoje odpowiedzi',
  promise: (k) => [
    'Odpowiedzi zapisujemy bez imienia, e-maila, linku i bez godziny wysłania.',
    `Dział HR widzi tylko sumy dla grup liczących co najmniej ${people('pl', k, 'accusative')}. Mniejsze grupy nigdy nie są pokazywane.`,
    `Komentarze są pokazywane tylko dla grup liczących co najmniej ${people('pl', k, 'accusative')}, w losowej kolejności, bez dat.`,
    'Link działa jeden raz. Po wysłaniu na tym urządzeniu nie zostaje nic, co dowodziłoby Twoich odpowiedzi.',
  ],
  required: 'wymagane',
  optional: 'opcjonalne',
  likert: [
    'Zdecydowanie się nie zgadzam',
    'Nie zgadzam się',
    'Ani tak, ani nie',
    'Zgadzam się',
    'Zdecydowanie się zgadzam',
  ],
  scaleLow: 'Zdecydowanie nie',
  scaleHigh: 'Zdecydowanie tak',
  yes: 'Tak',
  no: 'Nie',
  send: 'Wyślij odpowiedzi',
  errorsTitle: 'Niektóre odpowiedzi wymagają poprawy',
  answerRequired: 'Odpowiedz na to pytanie.',
  answerInvalid: 'Sprawdź tę odpowiedź.',
  warnTitle: 'Twój komentarz może zdradzić, kim jesteś',
  warnIntro: 'Te elementy mogą wskazać autora. Możesz poprawić komentarz albo wysłać go bez zmian.',
  warnEmail: 'adres e-mail',
  warnPhone: 'numer telefonu',
  warnName: 'wskazaną osobę (np. „mój kierownik …”)',
  warnEmployeeId: 'coś, co wygląda na numer pracownika',
  sendAnyway: 'Rozumiem; wyślij komentarze bez zmian',
  thanksTitle: 'Dziękujemy',
  thanks:
    'Odpowiedzi zostały przyjęte. Wyniki są pokazywane tylko dla grup, więc nikt nie zobaczy, co napisałeś/napisałaś. Możesz zamknąć tę stronę.',
  kioskTitle: 'Odpowiedz za pomocą kodu',
  kioskHelp: 'Wpisz 20 cyfr z karty. Spacje nie mają znaczenia.',
  kioskLabel: 'Twój kod',
  kioskStart: 'Zacznij',
  problemTitle: 'Tego linku nie można użyć',
  unavailableTitle: 'Spróbuj ponownie za chwilę',
  unavailable:
    'Nie udało się teraz połączyć z bazą danych, więc nic nie zostało wysłane. To, co wpisano, jest nadal w formularzu: wyślij je ponownie za chwilę.',
  retry: 'Spróbuj ponownie',
  replay:
    'Nie udało się teraz połączyć z bazą danych, więc nic nie zostało wysłane. Odpowiedzi są zachowane na tej stronie: za chwilę naciśnij „Spróbuj ponownie”, aby je wysłać.',
  problems: {
    'service-unavailable': 'Nie możemy tego teraz otworzyć. Spróbuj ponownie za chwilę.',
    'internal-error': 'Coś poszło nie tak po naszej stronie. Spróbuj ponownie później.',
    'bad-request': 'Nie udało się odczytać żądania. Wróć i spróbuj ponownie.',
    'unknown-token': 'Ten link lub kod jest nieprawidłowy. Sprawdź go albo poproś HR o nowy.',
    'token-revoked': 'To zaproszenie zostało wycofane.',
    'token-expired': 'Ankieta została zamknięta. Dziękujemy za zainteresowanie.',
    'already-submitted':
      'Odpowiedzi z tego zaproszenia zostały już przyjęte, więc tych nie zapisano. Jeśli nie wysłałeś ich sam, ktoś inny użył Twojego zaproszenia: powiedz o tym osobie z HR lub przedstawicielowi pracowników i poproś o kod do kiosku.',
    'survey-session-expired': 'Sesja wygasła. Otwórz link lub wpisz kod ponownie.',
    'rate-limited': 'Zbyt wiele prób. Odczekaj minutę i spróbuj ponownie.',
    'code-check-failed':
      'Jedna cyfra jest błędna albo dwie sąsiednie są zamienione (ostatnia cyfra sprawdza pozostałe). Porównaj z kartą i popraw.',
    'code-wrong-length': 'Kod ma 20 cyfr; jakiejś brakuje albo jest o jedną za dużo. Porównaj z kartą.',
    'code-not-digits': 'Kod składa się tylko z cyfr. Usuń litery.',
  },
};

export const STRINGS: Record<UiLanguage, Strings> = { en, ko, pl };

export function uiLanguage(preferred: string[]): UiLanguage {
  return (
    preferred
      .map((l) => l.toLowerCase())
      .find((l): l is UiLanguage => (UI_LANGUAGES as readonly string[]).includes(l)) ?? 'en'
  );
}

/** ?lang= first, then the browser's Accept-Language by q-value, each with its primary subtag as a fallback. */
export function preferredLanguages(acceptLanguage: string | undefined, explicit: string | undefined): string[] {
  return [explicit, ...acceptedLanguages(acceptLanguage)]
    .filter((l): l is string => !!l)
    .flatMap((l) => [l, l.split('-')[0]!.toLowerCase()]);
}
