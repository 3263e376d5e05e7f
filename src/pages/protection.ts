import { html, type SafeHtml } from './html.ts';
import type { UiLanguage } from './i18n.ts';
import type { RosterChange, WaveProtection } from '../protection/service.ts';

/**
 * SPEC P10, the employee's own view of the protection: its strings and its rendering. Counts go
 * through Intl.PluralRules (Polish has one/few/many forms, Korean one form).
 */
type Forms = Partial<Record<Intl.LDMLPluralRule, string>> & { other: string };

const plural = (lang: UiLanguage, n: number, forms: Forms) =>
  (forms[new Intl.PluralRules(lang).select(n)] ?? forms.other).replace('#', new Intl.NumberFormat(lang).format(n));

const day = (lang: UiLanguage, ymd: string, dateStyle: 'long' | 'medium' = 'long') =>
  new Intl.DateTimeFormat(lang, { dateStyle, timeZone: 'UTC' }).format(new Date(`${ymd}T00:00:00Z`));

interface ProtectionStrings {
  link: string;
  title: string;
  intro: (survey: string, wave: number, open: boolean) => string;
  kTitle: string;
  k: (k: string) => string;
  kRaised: (earlier: string) => string;
  commentsTitle: string;
  comments: (k: string) => string;
  dimensionsTitle: string;
  dimensions: (openedOn: string) => string;
  pairsIntro: string;
  totalOnly: string;
  smallestTitle: string;
  smallestReader: (invited: number, table: string) => string;
  smallestWave: (invited: number, table: string) => string;
  theTotal: string;
  belowK: (k: string) => string;
  heldInSmallest: (held: string) => string;
  countsAreRoster: string;
  changesTitle: string;
  changesIntro: (openedOn: string) => string;
  noChanges: string;
  dayHeader: string;
  changeHeader: string;
  rosterImport: (events: number, rows: number) => string;
  codePool: (events: number, codes: number) => string;
  inThisWave: string;
  poolCodes: (n: number) => string;
  rosterAdditions: (n: number) => string;
  revokedInvitations: (n: number) => string;
  hrHeldLinks: (n: number) => string;
  heldLinksNote: string;
  contestedTitle: string;
  contestedOpen: string;
  contestedNone: (k: string) => string;
  contested: (n: string) => string;
  notFoundTitle: string;
  notFound: string;
}

const en = (lang: UiLanguage): ProtectionStrings => ({
  link: 'See how this survey protects you, as it stands now',
  title: 'How your answers are protected',
  intro: (survey, wave, open) =>
    `${survey}, wave ${wave} (${open ? 'open' : 'closed'}). This page shows the protection as it stands now. It says nothing about who answered.`,
  kTitle: 'Minimum group size',
  k: (k) => `HR sees results only for groups of at least ${k} people. Smaller groups are never shown.`,
  kRaised: (earlier) => `It was raised since the survey opened (before: ${earlier}). It can rise, never fall.`,
  commentsTitle: 'Comments',
  comments: (k) => `Comments are shown only for groups of at least ${k} people.`,
  dimensionsTitle: 'What results are broken down by',
  dimensions: (openedOn) => `Fixed when the survey opened (${openedOn}); it cannot change for this survey.`,
  pairsIntro: 'Declared pairs, shown together:',
  totalOnly: 'Nothing: only the total is reported.',
  smallestTitle: 'The smallest group',
  smallestReader: (invited, table) =>
    `The smallest group your answer can appear in (${table}) has ${plural(lang, invited, { one: '# person', other: '# people' })} invited.`,
  smallestWave: (invited, table) =>
    `The smallest group any answer can appear in (${table}) has ${plural(lang, invited, { one: '# person', other: '# people' })} invited. Your own groups are this size or larger.`,
  theTotal: 'everyone',
  belowK: (k) => `That is fewer than ${k}: this group is never shown, so answers in it count only in larger groups.`,
  heldInSmallest: (held) =>
    `${held} of them HR holds itself (kiosk codes, or links of people added since the survey opened). Whoever holds a code can answer with it: if HR answered with some of them, your group's results would mix its answers with fewer real ones. Cells where such tokens sit beside fewer than k other invitations are withheld; a group reached only by kiosk codes is not, so hand codes out to the people they are for.`,
  countsAreRoster: 'These numbers count invitations, which HR already knows from its roster, never answers.',
  changesTitle: 'Changes since the survey opened',
  changesIntro: (openedOn) => `Every roster import and every set of kiosk codes since ${openedOn}, by day. No names.`,
  noChanges: 'None.',
  dayHeader: 'Day',
  changeHeader: 'Change',
  rosterImport: (events, rows) =>
    `${plural(lang, events, { one: 'Roster import', other: '# roster imports' })}: ${plural(lang, rows, { one: '# row', other: '# rows' })}`,
  codePool: (events, codes) =>
    `${plural(lang, events, { one: 'Kiosk codes created', other: 'Kiosk codes created # times' })}: ${plural(lang, codes, { one: '# code', other: '# codes' })}`,
  inThisWave: 'In this wave:',
  poolCodes: (n) => plural(lang, n, { one: '# kiosk code', other: '# kiosk codes' }),
  rosterAdditions: (n) =>
    plural(lang, n, {
      one: '# person added to the roster after the survey opened',
      other: '# people added to the roster after the survey opened',
    }),
  revokedInvitations: (n) =>
    plural(lang, n, {
      one: '# invitation withdrawn after it was sent (never counted as not answering)',
      other: '# invitations withdrawn after they were sent (never counted as not answering)',
    }),
  hrHeldLinks: (n) => plural(lang, n, { one: '# personal link handed to HR', other: '# personal links handed to HR' }),
  heldLinksNote:
    'Whoever holds a link can answer with it. If your link or code is ever refused as already used when you did not use it, tell your HR contact or employee representative.',
  contestedTitle: 'Invitations found already used',
  contestedOpen: 'Counted when this wave closes.',
  contestedNone: (k) => `Fewer than ${k} sends found their invitation already used.`,
  contested: (n) =>
    `At least ${n} sends found their invitation already used: someone answered with a link that was not theirs, or its owner sent twice.`,
  notFoundTitle: 'Survey not found',
  notFound: 'There is no survey at this address. Check the link you were given.',
});

const ko = (lang: UiLanguage): ProtectionStrings => ({
  link: '이 설문의 현재 보호 상태 보기',
  title: '응답 보호 현황',
  intro: (survey, wave, open) =>
    `${survey}, ${wave}회차 (${open ? '진행 중' : '마감'}). 이 페이지는 현재의 보호 상태를 보여 줍니다. 누가 응답했는지는 알려 주지 않습니다.`,
  kTitle: '최소 그룹 크기',
  k: (k) => `HR은 ${k}명 이상인 그룹의 결과만 볼 수 있습니다. 더 작은 그룹은 표시되지 않습니다.`,
  kRaised: (earlier) => `설문이 시작된 뒤 높아졌습니다 (이전: ${earlier}). 높아질 수는 있지만 낮아지지는 않습니다.`,
  commentsTitle: '의견',
  comments: (k) => `의견은 ${k}명 이상인 그룹에서만 표시됩니다.`,
  dimensionsTitle: '결과를 나누는 기준',
  dimensions: (openedOn) => `설문이 시작될 때(${openedOn}) 정해졌으며, 이 설문에서는 바뀌지 않습니다.`,
  pairsIntro: '함께 표시되는 조합:',
  totalOnly: '없음: 전체 합계만 보고됩니다.',
  smallestTitle: '가장 작은 그룹',
  smallestReader: (invited, table) =>
    `내 응답이 포함될 수 있는 가장 작은 그룹(${table})에는 ${plural(lang, invited, { other: '#명' })}이 초대되었습니다.`,
  smallestWave: (invited, table) =>
    `응답이 포함될 수 있는 가장 작은 그룹(${table})에는 ${plural(lang, invited, { other: '#명' })}이 초대되었습니다. 내가 속한 그룹은 이보다 크거나 같습니다.`,
  theTotal: '전체',
  belowK: (k) => `${k}명보다 적으므로 이 그룹은 표시되지 않으며, 그 응답은 더 큰 그룹에만 포함됩니다.`,
  heldInSmallest: (held) =>
    `그중 ${held}명분은 HR이 직접 가지고 있는 코드나 링크입니다(키오스크 코드, 설문 시작 후 추가된 사람의 링크). 코드를 가진 사람은 누구든 그 코드로 응답할 수 있습니다. HR이 일부 코드로 직접 응답했다면 결과에 실제 응답이 더 적게 섞입니다. 이런 코드가 k명 미만의 다른 초대와 함께 있는 그룹은 표시되지 않지만, 키오스크 코드로만 이루어진 그룹은 표시됩니다.`,
  countsAreRoster: '이 숫자는 HR이 명단으로 이미 알고 있는 초대 수이며, 응답 수가 아닙니다.',
  changesTitle: '설문 시작 후 변경 사항',
  changesIntro: (openedOn) =>
    `${openedOn} 이후의 모든 명단 가져오기와 키오스크 코드 발급을 날짜별로 보여 줍니다. 이름은 없습니다.`,
  noChanges: '없음.',
  dayHeader: '날짜',
  changeHeader: '변경',
  rosterImport: (events, rows) => `명단 가져오기 ${events}회: ${rows}행`,
  codePool: (events, codes) => `키오스크 코드 발급 ${events}회: 코드 ${codes}개`,
  inThisWave: '이번 회차:',
  poolCodes: (n) => plural(lang, n, { other: '키오스크 코드 #개' }),
  rosterAdditions: (n) => plural(lang, n, { other: '설문 시작 후 명단에 추가된 사람 #명' }),
  revokedInvitations: (n) => plural(lang, n, { other: '보낸 뒤 취소된 초대 #건 (미응답으로 세지 않음)' }),
  hrHeldLinks: (n) => plural(lang, n, { other: 'HR에 전달된 개인 링크 #개' }),
  heldLinksNote:
    '링크를 가진 사람은 누구나 그 링크로 응답할 수 있습니다. 사용한 적이 없는데 내 링크나 코드가 이미 사용되었다고 나오면 인사 담당자나 직원 대표에게 알리세요.',
  contestedTitle: '이미 사용된 초대',
  contestedOpen: '이번 회차가 마감되면 집계됩니다.',
  contestedNone: (k) => `이미 사용된 초대로 제출된 경우는 ${k}건 미만입니다.`,
  contested: (n) =>
    `최소 ${n}건의 제출이 이미 사용된 초대로 이루어졌습니다. 다른 사람의 링크로 응답했거나 본인이 두 번 제출한 경우입니다.`,
  notFoundTitle: '설문을 찾을 수 없습니다',
  notFound: '이 주소에는 설문이 없습니다. 받은 링크를 확인해 주세요.',
});

const pl = (lang: UiLanguage): ProtectionStrings => ({
  link: 'Zobacz, jak ta ankieta Cię chroni (stan bieżący)',
  title: 'Jak chronione są Twoje odpowiedzi',
  intro: (survey, wave, open) =>
    `${survey}, runda ${wave} (${open ? 'otwarta' : 'zamknięta'}). Ta strona pokazuje bieżący stan ochrony. Nie mówi nic o tym, kto odpowiedział.`,
  kTitle: 'Minimalna wielkość grupy',
  k: (k) =>
    `Dział HR widzi wyniki tylko dla grup liczących co najmniej ${k} osób. Mniejsze grupy nigdy nie są pokazywane.`,
  kRaised: (earlier) => `Próg podniesiono od otwarcia ankiety (wcześniej: ${earlier}). Może rosnąć, nigdy maleć.`,
  commentsTitle: 'Komentarze',
  comments: (k) => `Komentarze są pokazywane tylko dla grup liczących co najmniej ${k} osób.`,
  dimensionsTitle: 'Według czego dzielone są wyniki',
  dimensions: (openedOn) => `Ustalone przy otwarciu ankiety (${openedOn}); dla tej ankiety nie może się zmienić.`,
  pairsIntro: 'Zadeklarowane pary, pokazywane razem:',
  totalOnly: 'Według niczego: raportowana jest tylko suma.',
  smallestTitle: 'Najmniejsza grupa',
  smallestReader: (invited, table) =>
    `Najmniejsza grupa, w której może się znaleźć Twoja odpowiedź (${table}), liczy ${plural(lang, invited, { one: '# zaproszoną osobę', few: '# zaproszone osoby', many: '# zaproszonych osób', other: '# zaproszonej osoby' })}.`,
  smallestWave: (invited, table) =>
    `Najmniejsza grupa, w której może się znaleźć jakakolwiek odpowiedź (${table}), liczy ${plural(lang, invited, { one: '# zaproszoną osobę', few: '# zaproszone osoby', many: '# zaproszonych osób', other: '# zaproszonej osoby' })}. Twoje grupy są takie same lub większe.`,
  theTotal: 'wszyscy',
  belowK: (k) =>
    `To mniej niż ${k}: ta grupa nigdy nie jest pokazywana, więc odpowiedzi z niej liczą się tylko w większych grupach.`,
  heldInSmallest: (held) =>
    `Z tego ${held} ma sam dział HR (kody do kiosku albo linki osób dodanych po otwarciu ankiety). Kto ma kod, może nim odpowiedzieć: gdyby HR odpowiedział częścią kodów, wyniki grupy mieszałyby jego odpowiedzi z mniejszą liczbą prawdziwych. Grupy, w których takie kody są obok mniej niż k innych zaproszeń, są wstrzymywane; grupa objęta tylko kodami do kiosku — nie.`,
  countsAreRoster: 'Te liczby to zaproszenia, które HR zna ze swojej listy pracowników, nigdy odpowiedzi.',
  changesTitle: 'Zmiany od otwarcia ankiety',
  changesIntro: (openedOn) =>
    `Każdy import listy pracowników i każda pula kodów do kiosku od ${openedOn}, według dni. Bez nazwisk.`,
  noChanges: 'Brak.',
  dayHeader: 'Dzień',
  changeHeader: 'Zmiana',
  rosterImport: (events, rows) =>
    `${plural(lang, events, { one: 'Import listy', few: '# importy listy', many: '# importów listy', other: '# importu listy' })}: ${plural(lang, rows, { one: '# wiersz', few: '# wiersze', many: '# wierszy', other: '# wiersza' })}`,
  codePool: (events, codes) =>
    `${plural(lang, events, { one: 'Utworzenie kodów do kiosku', few: '# utworzenia kodów do kiosku', many: '# utworzeń kodów do kiosku', other: '# utworzenia kodów do kiosku' })}: ${plural(lang, codes, { one: '# kod', few: '# kody', many: '# kodów', other: '# kodu' })}`,
  inThisWave: 'W tej rundzie:',
  poolCodes: (n) =>
    plural(lang, n, {
      one: '# kod do kiosku',
      few: '# kody do kiosku',
      many: '# kodów do kiosku',
      other: '# kodu do kiosku',
    }),
  rosterAdditions: (n) =>
    plural(lang, n, {
      one: '# osoba dodana do listy po otwarciu ankiety',
      few: '# osoby dodane do listy po otwarciu ankiety',
      many: '# osób dodanych do listy po otwarciu ankiety',
      other: '# osoby dodanej do listy po otwarciu ankiety',
    }),
  revokedInvitations: (n) =>
    plural(lang, n, {
      one: '# zaproszenie cofnięte po wysłaniu (nigdy nie liczone jako brak odpowiedzi)',
      few: '# zaproszenia cofnięte po wysłaniu (nigdy nie liczone jako brak odpowiedzi)',
      many: '# zaproszeń cofniętych po wysłaniu (nigdy nie liczonych jako brak odpowiedzi)',
      other: '# zaproszenia cofniętego po wysłaniu (nigdy nie liczonego jako brak odpowiedzi)',
    }),
  hrHeldLinks: (n) =>
    plural(lang, n, {
      one: '# osobisty link przekazany do HR',
      few: '# osobiste linki przekazane do HR',
      many: '# osobistych linków przekazanych do HR',
      other: '# osobistego linku przekazanego do HR',
    }),
  heldLinksNote:
    'Kto ma link, może nim odpowiedzieć. Jeśli Twój link lub kod zostanie odrzucony jako już użyty, choć go nie używałeś/używałaś, powiedz o tym osobie z HR lub przedstawicielowi pracowników.',
  contestedTitle: 'Zaproszenia użyte już wcześniej',
  contestedOpen: 'Liczone po zamknięciu tej rundy.',
  contestedNone: (k) => `Mniej niż ${k} wysłań trafiło na zaproszenie użyte już wcześniej.`,
  contested: (n) =>
    `Co najmniej ${n} wysłań trafiło na zaproszenie użyte już wcześniej: ktoś odpowiedział cudzym linkiem albo właściciel wysłał dwa razy.`,
  notFoundTitle: 'Nie znaleziono ankiety',
  notFound: 'Pod tym adresem nie ma ankiety. Sprawdź otrzymany link.',
});

export const PROTECTION_STRINGS: Record<UiLanguage, ProtectionStrings> = { en: en('en'), ko: ko('ko'), pl: pl('pl') };

/** The link the survey and thank-you pages carry: an address without any token (P5). */
export function protectionLink(lang: UiLanguage, href: string): SafeHtml {
  return html`<p class="protection-link"><a href="${href}">${PROTECTION_STRINGS[lang].link}</a></p>`;
}

function changeLine(t: ProtectionStrings, change: RosterChange): string {
  return change.kind === 'roster-import'
    ? t.rosterImport(change.events, change.count)
    : t.codePool(change.events, change.count);
}

export function protectionPage(lang: UiLanguage, p: WaveProtection, surveyTitle: string): SafeHtml {
  const t = PROTECTION_STRINGS[lang];
  const n = (x: number) => new Intl.NumberFormat(lang).format(x);
  const label = new Map(p.dimensions.map((d) => [d.key, d.label]));
  const tableName = p.smallestGroup.table.length
    ? p.smallestGroup.table.map((d) => label.get(d) ?? d).join(' × ')
    : t.theTotal;
  const g = p.smallestGroup;
  const { caveats } = p;
  const waveCounts = [
    caveats.poolCodes ? t.poolCodes(caveats.poolCodes) : '',
    caveats.rosterAdditions ? t.rosterAdditions(caveats.rosterAdditions) : '',
    caveats.revokedInvitations ? t.revokedInvitations(caveats.revokedInvitations) : '',
    caveats.hrHeldLinks ? t.hrHeldLinks(caveats.hrHeldLinks) : '',
  ].filter(Boolean);
  return html`<h1>${t.title}</h1>
    <p class="lead">${t.intro(surveyTitle, p.wave.number, p.wave.status === 'open')}</p>
    <section class="protection" aria-labelledby="k-title">
      <h2 id="k-title">${t.kTitle}: <span class="figure" data-k>${n(p.k)}</span></h2>
      <p>${t.k(n(p.k))}</p>
      ${p.earlierK.length ? html`<p>${t.kRaised(p.earlierK.map(n).join(', '))}</p>` : ''}
    </section>
    <section class="protection" aria-labelledby="comments-title">
      <h2 id="comments-title">${t.commentsTitle}: <span class="figure" data-comment-k>${n(p.commentK)}</span></h2>
      <p>${t.comments(n(p.commentK))}</p>
    </section>
    <section class="protection" aria-labelledby="dimensions-title">
      <h2 id="dimensions-title">${t.dimensionsTitle}</h2>
      ${
        p.dimensions.length
          ? html`<ul data-dimensions>
              ${p.dimensions.map((d) => html`<li>${d.label}</li>`)}
            </ul>`
          : html`<p>${t.totalOnly}</p>`
      }
      ${
        p.pairs.length
          ? html`<p>${t.pairsIntro}</p>
              <ul data-pairs>
                ${p.pairs.map(([a, b]) => html`<li>${label.get(a) ?? a} × ${label.get(b) ?? b}</li>`)}
              </ul>`
          : ''
      }
      <p class="hint">${t.dimensions(day(lang, p.surveyOpenedOn))}</p>
    </section>
    <section class="protection" aria-labelledby="smallest-title">
      <h2 id="smallest-title">${t.smallestTitle}: <span class="figure" data-smallest>${n(g.invited)}</span></h2>
      <p>${(p.smallestGroupOf === 'reader' ? t.smallestReader : t.smallestWave)(g.invited, tableName)}</p>
      ${g.invited < p.k ? html`<p>${t.belowK(n(p.k))}</p>` : ''}
      ${g.heldByHr ? html`<p>${t.heldInSmallest(n(g.heldByHr))}</p>` : ''}
      <p class="hint">${t.countsAreRoster}</p>
    </section>
    <section class="protection" aria-labelledby="changes-title">
      <h2 id="changes-title">${t.changesTitle}</h2>
      <p>${t.changesIntro(day(lang, p.surveyOpenedOn))}</p>
      ${
        p.changes.length
          ? html`<table data-changes>
              <thead>
                <tr>
                  <th scope="col">${t.dayHeader}</th>
                  <th scope="col">${t.changeHeader}</th>
                </tr>
              </thead>
              <tbody>
                ${p.changes.map(
                  (c) =>
                    html`<tr>
                      <td class="day"><time datetime="${c.day}">${day(lang, c.day, 'medium')}</time></td>
                      <td>${changeLine(t, c)}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`
          : html`<p>${t.noChanges}</p>`
      }
      ${
        waveCounts.length
          ? html`<p>${t.inThisWave}</p>
              <ul data-wave-counts>
                ${waveCounts.map((line) => html`<li>${line}</li>`)}
              </ul>
              ${caveats.hrHeldLinks ? html`<p class="hint">${t.heldLinksNote}</p>` : ''}`
          : ''
      }
    </section>
    ${
      caveats.contestedAtLeast === undefined
        ? ''
        : html`<section class="protection" aria-labelledby="contested-title">
            <h2 id="contested-title">${t.contestedTitle}</h2>
            <p data-contested>
              ${
                p.wave.status === 'open'
                  ? t.contestedOpen
                  : caveats.contestedAtLeast === null
                    ? t.contestedNone(n(p.k))
                    : t.contested(n(caveats.contestedAtLeast))
              }
            </p>
          </section>`
    }`;
}

export function protectionNotFound(lang: UiLanguage): SafeHtml {
  const t = PROTECTION_STRINGS[lang];
  return html`<h1>${t.notFoundTitle}</h1>
    <p class="lead" role="alert">${t.notFound}</p>`;
}
