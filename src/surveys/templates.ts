import type { Localized, Question, SurveyDefinition } from './questions.ts';

/** The templates of SPEC.md, in English, Korean and Polish. HR copies one into a draft and edits it. */
export interface Template {
  key: string;
  description: string;
  definition: SurveyDefinition;
}

const t = (en: string, ko: string, pl: string): Localized => ({ en, ko, pl });
const languages = ['en', 'ko', 'pl'];

const likert = (id: string, theme: string, text: Localized, required = true): Question => ({
  id,
  type: 'likert5',
  theme,
  text,
  required,
});
const comment = (id: string, text: Localized, required = false): Question => ({
  id,
  type: 'text',
  text,
  required,
  maxLength: 2000,
});
const enps: Question = {
  id: 'enps',
  type: 'scale0_10',
  theme: 'engage',
  required: true,
  text: t(
    'How likely are you to recommend working here to a friend?',
    '친구에게 이 회사에서 일하는 것을 얼마나 추천하시겠습니까?',
    'Jak bardzo prawdopodobne jest, że polecisz pracę tutaj znajomej osobie?',
  ),
};

const template = (key: string, description: string, title: Localized, questions: Question[]): Template => ({
  key,
  description,
  definition: { title, languages, defaultLanguage: 'en', questions },
});

export const TEMPLATES: Template[] = [
  template(
    'engagement',
    "Engagement across the five I's (inform, inspire, instruct, engage, reward) with eNPS.",
    t('Engagement survey', '몰입도 설문', 'Badanie zaangażowania'),
    [
      likert(
        'proud',
        'engage',
        t('I am proud to work here.', '이 회사에서 일하는 것이 자랑스럽다.', 'Jestem dumny/dumna, że tu pracuję.'),
      ),
      likert(
        'stay',
        'engage',
        t(
          'I see myself still working here in two years.',
          '2년 후에도 이 회사에서 일하고 있을 것 같다.',
          'Widzę siebie w tej firmie za dwa lata.',
        ),
      ),
      likert(
        'informed',
        'inform',
        t(
          'I have the information I need to do my job well.',
          '업무를 잘 하는 데 필요한 정보를 얻고 있다.',
          'Mam informacje potrzebne do dobrego wykonywania pracy.',
        ),
      ),
      likert(
        'meaning',
        'inspire',
        t(
          'My work gives me a sense of accomplishment.',
          '내 일에서 성취감을 느낀다.',
          'Moja praca daje mi poczucie spełnienia.',
        ),
      ),
      likert(
        'guidance',
        'instruct',
        t(
          'I know what is expected of me and how to do it.',
          '나에게 기대되는 것과 그 방법을 알고 있다.',
          'Wiem, czego się ode mnie oczekuje i jak to zrobić.',
        ),
      ),
      likert(
        'recognised',
        'reward',
        t('I am recognised when I do good work.', '일을 잘하면 인정받는다.', 'Moja dobra praca jest doceniana.'),
      ),
      enps,
      comment(
        'improve',
        t(
          'What one thing would make this a better place to work?',
          '더 좋은 일터가 되기 위해 한 가지를 바꾼다면 무엇일까요?',
          'Jedna rzecz, która uczyniłaby to miejsce lepszym do pracy?',
        ),
      ),
    ],
  ),
  template('pulse', 'A three-to-five question weekly check-in.', t('Weekly pulse', '주간 펄스', 'Cotygodniowy puls'), [
    likert(
      'week',
      'wellbeing',
      t(
        'This week at work went well for me.',
        '이번 주 업무는 나에게 잘 흘러갔다.',
        'Ten tydzień w pracy był dla mnie dobry.',
      ),
    ),
    likert(
      'workload',
      'workload',
      t(
        'My workload this week was manageable.',
        '이번 주 업무량은 감당할 만했다.',
        'Moje obciążenie pracą w tym tygodniu było do udźwignięcia.',
      ),
    ),
    likert(
      'support',
      'management',
      t(
        'I felt supported by my team lead.',
        '팀장에게 지원받는다고 느꼈다.',
        'Czułem/czułam wsparcie mojego przełożonego.',
      ),
    ),
    likert(
      'recognition',
      'recognition',
      t('My effort was noticed.', '나의 노력이 인정받았다.', 'Mój wysiłek został zauważony.'),
    ),
    comment(
      'share',
      t(
        'Anything else you would like to share?',
        '그 밖에 공유하고 싶은 것이 있나요?',
        'Czy chcesz coś jeszcze przekazać?',
      ),
    ),
  ]),
  template(
    'wellbeing',
    'Wellbeing and burnout, including the emotional labour of customer-facing work.',
    t('Wellbeing and burnout', '웰빙과 번아웃', 'Dobrostan i wypalenie'),
    [
      likert(
        'drained',
        'wellbeing',
        t(
          'I feel emotionally drained after dealing with customers.',
          '고객 응대 후 감정적으로 지친다고 느낀다.',
          'Po kontaktach z klientami czuję się emocjonalnie wyczerpany/wyczerpana.',
        ),
      ),
      likert(
        'hide_feelings',
        'wellbeing',
        t(
          'I often have to hide my real feelings at work.',
          '업무 중 실제 감정을 자주 숨겨야 한다.',
          'W pracy często muszę ukrywać prawdziwe emocje.',
        ),
      ),
      likert(
        'recover',
        'wellbeing',
        t(
          'I can take a short break after a difficult interaction.',
          '힘든 응대 후 잠시 쉴 수 있다.',
          'Po trudnej rozmowie mogę zrobić krótką przerwę.',
        ),
      ),
      likert(
        'switch_off',
        'wellbeing',
        t(
          'I am able to switch off from work in my free time.',
          '쉬는 시간에는 업무에서 벗어날 수 있다.',
          'W czasie wolnym potrafię odciąć się od pracy.',
        ),
      ),
      likert(
        'workload',
        'workload',
        t(
          'My workload is sustainable.',
          '나의 업무량은 지속 가능한 수준이다.',
          'Moje obciążenie pracą jest do utrzymania na dłuższą metę.',
        ),
      ),
      {
        id: 'stressors',
        type: 'multi_choice',
        theme: 'wellbeing',
        required: false,
        text: t(
          'Which of these cause you the most stress?',
          '다음 중 가장 큰 스트레스 요인은 무엇인가요?',
          'Co z poniższych najbardziej cię stresuje?',
        ),
        options: [
          { id: 'workload', text: t('Workload', '업무량', 'Ilość pracy') },
          { id: 'customers', text: t('Difficult customers', '어려운 고객', 'Trudni klienci') },
          { id: 'targets', text: t('Targets and metrics', '목표와 실적 지표', 'Cele i wskaźniki') },
          { id: 'shifts', text: t('Shifts and schedule', '근무 시간과 교대', 'Grafik i zmiany') },
          { id: 'support', text: t('Lack of support', '지원 부족', 'Brak wsparcia') },
          { id: 'security', text: t('Job insecurity', '고용 불안', 'Niepewność zatrudnienia') },
          { id: 'other', text: t('Something else', '기타', 'Coś innego') },
        ],
      },
      comment(
        'help',
        t(
          'What would help your mental health at work?',
          '직장에서 정신 건강에 도움이 되는 것은 무엇일까요?',
          'Co pomogłoby twojemu zdrowiu psychicznemu w pracy?',
        ),
      ),
    ],
  ),
  template(
    'support',
    'Satisfaction with internal support (help desk, HR, IT).',
    t('Internal support', '사내 지원 만족도', 'Wsparcie wewnętrzne'),
    [
      {
        id: 'found',
        type: 'yes_no',
        theme: 'inform',
        required: true,
        text: t(
          'Could you find what you needed?',
          '필요한 것을 찾을 수 있었나요?',
          'Czy udało ci się znaleźć to, czego potrzebowałeś/potrzebowałaś?',
        ),
      },
      likert(
        'helpful',
        'support',
        t('The help desk was helpful.', '헬프데스크가 도움이 되었다.', 'Dział pomocy był pomocny.'),
      ),
      {
        id: 'speed',
        type: 'single_choice',
        theme: 'support',
        required: true,
        text: t(
          'How quickly was your request resolved?',
          '요청이 얼마나 빨리 해결되었나요?',
          'Jak szybko rozwiązano twoją sprawę?',
        ),
        options: [
          { id: 'same_day', text: t('The same day', '당일', 'Tego samego dnia') },
          { id: 'days', text: t('Within a few days', '며칠 이내', 'W ciągu kilku dni') },
          { id: 'longer', text: t('It took longer', '더 오래 걸렸다', 'Trwało to dłużej') },
          { id: 'unresolved', text: t('Not resolved yet', '아직 해결되지 않았다', 'Jeszcze nie rozwiązano') },
        ],
      },
      comment(
        'improve',
        t('How could we support you better?', '어떻게 더 잘 지원할 수 있을까요?', 'Jak możemy lepiej cię wspierać?'),
      ),
    ],
  ),
  template(
    'event',
    'Reaction to an event such as an all-hands meeting.',
    t('Event feedback', '행사 피드백', 'Opinia o wydarzeniu'),
    [
      likert(
        'worth',
        'inform',
        t(
          'The event was worth my time.',
          '이 행사는 시간을 들일 가치가 있었다.',
          'Wydarzenie było warte mojego czasu.',
        ),
      ),
      likert(
        'priorities',
        'inform',
        t(
          'I understand our priorities better after the event.',
          '행사 후 회사의 우선순위를 더 잘 이해하게 되었다.',
          'Po wydarzeniu lepiej rozumiem nasze priorytety.',
        ),
      ),
      likert(
        'optimistic',
        'inspire',
        t(
          'I feel more optimistic about where we are heading.',
          '회사의 방향에 대해 더 낙관적으로 느낀다.',
          'Z większym optymizmem patrzę na kierunek, w którym zmierzamy.',
        ),
      ),
      comment(
        'useful',
        t(
          'What was most useful, and what was missing?',
          '가장 유용했던 점과 아쉬웠던 점은 무엇인가요?',
          'Co było najbardziej przydatne, a czego zabrakło?',
        ),
      ),
    ],
  ),
  template(
    'open-ended',
    'Open questions: what people like most and least, what blocks communication.',
    t('Open feedback', '자유 의견', 'Otwarta opinia'),
    [
      comment(
        'like_most',
        t(
          'What do you like most about working here?',
          '이 회사에서 일하며 가장 좋은 점은 무엇인가요?',
          'Co najbardziej lubisz w pracy tutaj?',
        ),
        true,
      ),
      comment('like_least', t('What do you like least?', '가장 아쉬운 점은 무엇인가요?', 'Czego najmniej lubisz?')),
      comment(
        'blockers',
        t(
          'What gets in the way of communication in your team?',
          '팀 내 소통을 가로막는 것은 무엇인가요?',
          'Co utrudnia komunikację w twoim zespole?',
        ),
      ),
    ],
  ),
  template(
    'exit',
    'Reasons for leaving, for people on their way out.',
    t('Exit survey', '퇴사 설문', 'Ankieta przy odejściu'),
    [
      {
        id: 'reasons',
        type: 'multi_choice',
        theme: 'exit',
        required: true,
        text: t(
          'What are your main reasons for leaving?',
          '퇴사하는 주된 이유는 무엇인가요?',
          'Jakie są główne powody twojego odejścia?',
        ),
        options: [
          { id: 'growth', text: t('Growth and career', '성장과 경력', 'Rozwój i kariera') },
          { id: 'pay', text: t('Pay and benefits', '급여와 복리후생', 'Wynagrodzenie i benefity') },
          { id: 'management', text: t('Management', '관리자', 'Przełożeni') },
          { id: 'meaning', text: t('Meaning of the work', '일의 의미', 'Sens pracy') },
          { id: 'workload', text: t('Workload', '업무량', 'Obciążenie pracą') },
          { id: 'colleagues', text: t('Colleagues', '동료', 'Współpracownicy') },
          { id: 'flexibility', text: t('Flexibility', '유연성', 'Elastyczność') },
          { id: 'wellbeing', text: t('Wellbeing support', '웰빙 지원', 'Wsparcie dobrostanu') },
        ],
      },
      likert(
        'experience',
        'engage',
        t(
          'Overall, I had a good experience working here.',
          '전반적으로 이 회사에서 좋은 경험을 했다.',
          'Ogólnie moje doświadczenie pracy tutaj było dobre.',
        ),
      ),
      enps,
      comment(
        'keep',
        t(
          'What could we have done to keep you?',
          '무엇이 있었다면 계속 일했을까요?',
          'Co mogliśmy zrobić, żebyś został/została?',
        ),
      ),
    ],
  ),
];

export function findTemplate(key: string): Template | undefined {
  return TEMPLATES.find((x) => x.key === key);
}
