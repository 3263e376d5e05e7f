/**
 * Generic signals that a comment may identify its writer (the roster's names are deliberately not
 * available to this page). The employee is warned and decides; nothing is blocked. The patterns
 * aim at how people name someone in each language (issue 14); the lists of comments that must and
 * must not warn are in test/pages/identifying.test.ts.
 */
export type Signal = 'email' | 'phone' | 'name' | 'employeeId';

// Korean: a surname (the common ones) and a two-syllable given name, or a surname alone, before
// a job title: "김철수 팀장님", "박지민 과장이", "이 대리가". Titles that are also ordinary words
// (책임 "responsibility", 이사 "moving house", 사원 in "신입 사원") are left out.
const KO_SURNAMES =
  '김이박최정강조윤장임한오서신권황안송류유홍고문양손배백허심노하곽성차주우구민진지엄채원천방공현함변염추도소석선설마길연위표명기반왕금옥육인맹';
// A surname alone is also a word before a title: 전/현/구 "former/current/old", 제/나 "my/I",
// 모 "a certain", 여/남 "female/male", 반 "class", 부 "vice": "전 팀장님" names nobody.
const KO_SURNAME_ALONE = [...KO_SURNAMES].filter((s) => !'전현구제나모여남반부'.includes(s)).join('');
const KO_TITLES = '(?:팀장|파트장|실장|센터장|본부장|부장|차장|과장|대리|주임|매니저|상무|전무|대표|사장|반장|조장)';
// Three-syllable words that look like a surname and given name before a title.
// Words that look like a surname and given name beside a title.
const KO_NOT_NAMES = new Set([
  ...['마케팅', '서비스', '지난주', '이번주', '이번달', '지난달', '고객님', '전체적'],
  ...['이야기', '이번', '이전', '이후', '이상', '이유', '정말', '진짜', '지금', '조금', '한번', '오늘', '오전', '오후'],
  ...['주말', '전화', '문제', '연락', '말씀', '성격', '성과', '방식', '태도', '기분', '하루', '도움', '지시'],
]);
const KO_FULL_NAME = new RegExp(
  `(?<![가-힣])([${KO_SURNAMES}][가-힣][가-힣])(?<![팀실부과님들의는가을를도만와에서로])\\s?${KO_TITLES}`,
  'gu',
);
// "이 과장된 표현" is "this exaggerated phrase": a title followed by a verb ending is not a title.
const KO_SURNAME_TITLE = new RegExp(`(?<![가-힣])[${KO_SURNAME_ALONE}]\\s${KO_TITLES}(?![되된하한할해함스])`, 'u');
// After a title and a name, a particle may follow ("우리 팀장 김철수가"), nothing else.
const KO_AFTER_NAME = '(?=$|[^가-힣]|씨|님|가|이|는|은|를|을|에게|한테|의|도|랑|와|과)';
const KO_TITLE_NAME = new RegExp(
  `(?:우리|제|저희)\\s*${KO_TITLES}(?:님)?\\s+([${KO_SURNAMES}][가-힣]{1,2})${KO_AFTER_NAME}`,
  'gu',
);

// Polish: a title or "pan/pani" (any case) before a capitalised surname: "kierownik Nowak",
// "pani kierownik Kowalska", "pan Wiśniewski", "z panem Kowalczykiem". Words after a title that
// are capitalised without being a person ("kierownik Działu Obsługi") are left out.
const cap = (word: string) => `[${word[0]!.toUpperCase()}${word[0]}]${word.slice(1)}`;
const PL_TITLES = [
  'kierownik(?:a|owi|iem|u)?',
  'kierowniczk(?:a|i|ą|ę)',
  'szef(?:a|owi|em|ie|owa|owej|ową)?',
  'dyrektor(?:a|owi|em|ze|ka|ki|ką)?',
  'przełożon(?:y|a|ego|emu|ym|ą|ej)',
  'lider(?:a|em|ka|ki|ką)?',
  'koordynator(?:a|em|ka|ki|ką)?',
  'brygadzist(?:a|y|ą|ę)',
  'menedżer(?:a|em|ka|ki|ką)?',
].map(cap);
const PL_HONORIFIC = cap('pan(?:a|u|em|i|ią)?');
const PL_NOT_SURNAMES =
  '(?:(?:Dział|Działu|Zespół|Zespołu|Sklepu|Zmiany|Centrum|Oddziału|Regionu|Biura|Magazynu|Bóg|Boga|Prezes|Prezesa|Sprzedaży|Marketingu|Obsługi)(?![\\p{L}])|(?:Generaln|Handlow|Finansow|Operacyjn|Regionaln|Techniczn|Personaln|Zarządzając))';
const PL_NAMED = new RegExp(
  `(?<![\\p{L}])(?:${PL_HONORIFIC}(?:\\s+(?:${PL_TITLES.join('|')}))?|${PL_TITLES.join('|')})\\s+(?!${PL_NOT_SURNAMES})\\p{Lu}\\p{Ll}{2,}`,
  'u',
);

// Employee numbers named as such, in any of the three languages: "사번 123456", "numer
// pracownika 123456", "employee ID 123456".
const EMPLOYEE_NUMBER =
  /(?:사번|사원\s?번호|직원\s?번호|employee\s*(?:id|number|no\.?|#)|staff\s*(?:id|number|no\.?)|badge\s*(?:id|number)|(?:numer|nr\.?)\s+(?:pracownika|pracowniczy|służbowy|ewidencyjny|identyfikatora)|identyfikator)\s*(?:[:#]|to|는|은|이|가)?\s*[A-Za-z]{0,3}-?\d{3,10}/iu;

const PATTERNS: Array<[Signal, RegExp | ((text: string) => boolean)]> = [
  ['email', /[^\s@]+@[^\s@]+\.[^\s@]{2,}/u],
  ['phone', /(?:\+?\d[\d\s().-]{7,}\d)/u],
  ['name', /\b(?:my|our)\s+(?:manager|boss|supervisor|team\s*lead(?:er)?|lead)\s+\p{Lu}\p{L}+/u],
  ['name', (text) => [...text.matchAll(KO_TITLE_NAME)].some((m) => !KO_NOT_NAMES.has(m[1]!))],
  ['name', (text) => [...text.matchAll(KO_FULL_NAME)].some((m) => !KO_NOT_NAMES.has(m[1]!))],
  ['name', KO_SURNAME_TITLE],
  [
    'name',
    // No `i` flag: it would let \p{Lu} match any letter ("Nasz szef jest …").
    /(?<![\p{L}])[MmNn](?:ój|oja|asz|asza)\s+(?:kierownik|kierowniczka|szef|szefowa|przełożony|przełożona|lider|liderka)\s+\p{Lu}\p{L}+/u,
  ],
  ['name', PL_NAMED],
  ['employeeId', /\b[A-Z]{1,3}-?\d{5,8}\b/u],
  ['employeeId', EMPLOYEE_NUMBER],
];

export function identifyingSignals(text: string): Signal[] {
  const found = PATTERNS.filter(([, test]) => (typeof test === 'function' ? test(text) : test.test(text)));
  return [...new Set(found.map(([signal]) => signal))];
}
